"""Figures that cost almost nothing to read: the data version every committed write bumps (version),
and the figures and pages cached under it, plus ETag/304 for JSON answers (cache).
"""
