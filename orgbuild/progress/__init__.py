"""Campaign figures: counts against targets by street, officer and month (figures, queries),
targets, the report paragraph, exports, and the ``progress`` command (cli).
"""
