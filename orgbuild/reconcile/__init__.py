"""Reconciliation with 智慧团建: reading the platform's organisation list, matching it against the
organisations here, and keeping each run with its results."""
