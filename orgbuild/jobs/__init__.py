"""Background jobs on the huey queue (SQLite storage under instance/, Redis when REDIS_URL is set):
the job table and its live progress, the worker command, and the survey import preview / apply jobs.
"""
