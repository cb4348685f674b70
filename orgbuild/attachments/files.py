"""Decide what an uploaded file is from its bytes (never its name) and make it safe to keep.

Images (JPEG, PNG) are verified and re-encoded with Pillow: whatever metadata they carried (EXIF
with its GPS position, text chunks) and whatever was appended after the picture is gone. PDFs are
accepted by signature at the very start, with an end marker, and without scripts or embedded files.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.rules import Message

try:  # HEIC photos (iPhones) when the optional pillow-heif is installed: kept as JPEG, which every browser shows
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the installation
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()

HEIC = pillow_heif is not None
#: Pillow's format → what is kept (content type, suffix); a HEIC photo is kept as JPEG.
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
if HEIC:
    IMAGE_FORMATS["HEIF"] = ("image/jpeg", "jpg")
#: The file-name suffixes that fit each format read from the content.
NAME_SUFFIXES = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "HEIF": {"heic", "heif"}, "PDF": {"pdf"}}
#: What an upload field offers (the browser's file chooser).
ACCEPT = "image/jpeg,image/png,application/pdf" + (",image/heic,image/heif,.heic,.heif" if HEIC else "")
MAX_PIXELS = 40_000_000  # a phone photo is 12–50 MP; more than this is refused, not decoded
THUMB_SIZE = (320, 320)
# signatures of other formats that have no business inside a photo or a scan (polyglot files)
FOREIGN_MARKERS = (b"%PDF-", b"PK\x03\x04", b"<script", b"<html", b"<svg", b"<?php")
PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile")  # long enough not to occur by chance


class Refused(ValueError):
    """The file cannot be kept; the message says why (Chinese msgid)."""


@dataclass
class Checked:
    """A file fit to store: its type, the bytes to keep, and a JPEG thumbnail for images."""

    content_type: str
    suffix: str
    data: bytes
    thumbnail: bytes | None = None
    source_format: str = ""  # what the content was (JPEG, PNG, HEIF, PDF): the name's suffix must fit it


def _suffix(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check_upload(data: bytes, filename: str, max_bytes: int) -> Checked:
    """Check and clean one upload; raises :class:`Refused` with a message a person can act on."""
    if not data:
        raise Refused(Message("文件是空的"))
    if len(data) > max_bytes:
        limit = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
        raise Refused(Message("文件过大：不能超过%(limit)s", limit=limit))
    if data.startswith(b"%PDF-"):
        checked = _check_pdf(data)
    else:
        checked = _check_image(data)
    suffix = _suffix(filename)
    if suffix and suffix not in NAME_SUFFIXES[checked.source_format]:
        raise Refused(Message("文件内容是%(kind)s，但文件名的扩展名是 .%(suffix)s：请确认上传的是哪个文件",
                              kind=checked.source_format.replace("HEIF", "HEIC"), suffix=suffix))
    return checked


def _check_pdf(data: bytes) -> Checked:
    if b"%%EOF" not in data[-2048:]:
        raise Refused(Message("PDF 文件不完整（缺少结束标记），请重新扫描或导出"))
    if any(marker in data for marker in PDF_ACTIVE):
        raise Refused(Message("PDF 中含有脚本或附件，不能上传；请打印为普通 PDF 后再上传"))
    if any(marker in data[:1024].lower() for marker in (b"<html", b"<script", b"<svg")):
        raise Refused(Message("文件中夹带了其他格式的内容，不能上传"))
    return Checked("application/pdf", "pdf", data, source_format="PDF")


def _check_image(data: bytes) -> Checked:
    lowered = data.lower()
    if any(marker.lower() in lowered for marker in FOREIGN_MARKERS):
        raise Refused(Message("文件中夹带了其他格式的内容，不能上传"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise Refused(Message("只能上传 JPEG、PNG 或 HEIC 照片、PDF 扫描件") if HEIC
                                  else Message("只能上传 JPEG 或 PNG 照片、PDF 扫描件"))
                if probe.width * probe.height > MAX_PIXELS:
                    raise Refused(Message("图片像素过多，请缩小后再上传"))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                fmt = image.format
                clean = ImageOps.exif_transpose(image)  # keep the orientation, then drop the metadata
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise Refused(Message("只能上传 JPEG、PNG 或 HEIC 照片、PDF 扫描件（文件无法识别或已损坏）") if HEIC
                      else Message("只能上传 JPEG 或 PNG 照片、PDF 扫描件（文件无法识别或已损坏）")) from None
    content_type, suffix = IMAGE_FORMATS[fmt]
    out = io.BytesIO()
    if content_type == "image/jpeg":  # a JPEG, or a HEIC photo kept as JPEG
        clean.convert("RGB").save(out, "JPEG", quality=88)  # no exif= argument: none is written
    else:
        clean.save(out, "PNG")  # text chunks and eXIf are not carried over
    thumb = clean.convert("RGB")
    thumb.thumbnail(THUMB_SIZE)
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=80)
    return Checked(content_type, suffix, out.getvalue(), small.getvalue(), source_format=fmt)
