"""The pure domain: the status machine of an organisation (workflow) and the rules it applies
(credit codes, branch thresholds, values, messages). Imports neither Flask nor SQLAlchemy.
"""
