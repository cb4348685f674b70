"""Users: accounts, roles and streets, passwords and sessions (service), and the account forms.
"""
