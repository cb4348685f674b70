"""Running an installation: online backups of the SQLite database.
"""
