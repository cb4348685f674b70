"""The JSON API for machines: its schemas (the OpenAPI description is written from them) and its
services (reads as the calling user, recording a visit once per Idempotency-Key)."""
