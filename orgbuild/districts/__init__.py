"""Reference data: the districts' streets and communities, loaded by ``init-db``.
"""
