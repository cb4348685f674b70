"""Small image files made on the fly for the evidence-file tests (no binary fixtures in the repository)."""
from __future__ import annotations

import io

from PIL import Image


def tiny_png() -> bytes:
    """A valid 8×8 PNG."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A 64×48 JPEG whose EXIF carries a GPS position (Shenzhen) and a camera model."""
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 1"  # Model
    gps = {1: "N", 2: (22.0, 32.0, 45.0), 3: "E", 4: (114.0, 7.0, 30.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def minimal_pdf() -> bytes:
    """A one-page PDF with nothing active in it."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
