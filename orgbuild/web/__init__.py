"""App wiring for HTTP: extensions, sign-in, locale and template helpers (setup), and the request
log, request ids and proxy handling of a served app (serving).
"""
