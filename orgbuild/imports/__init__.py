"""Survey files: reading CSV/XLSX (reader), header aliases (columns), checking every cell (rows),
the preview and the one-transaction apply (service), and the ``import-survey`` command (cli).
"""
