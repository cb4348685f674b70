"""Branch quality after founding: organisational life and membership changes of founded branches,
hollow-branch warnings as of a date, and the annual grading (对标定级) records and figures.
"""
