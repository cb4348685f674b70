"""Duplicate organisations: likely duplicates of a new or imported organisation (same normalised
name under another credit code, a similar name, a credit code whose name changed a lot)."""
