"""Organisations through the workflow: survey data, transitions with their records, StatusEvent and
audit in one transaction (actions), the forms of each step, follow-ups and the filtered list.
"""
