"""Evidence uploads: the type is read from the content, never from the name or the browser's
claim, and images must open as images. Only PDF, JPEG and PNG are kept."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# (content type, extension, magic bytes at the start of the file)
KINDS = (
    ("application/pdf", "pdf", b"%PDF-"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
)


def evidence_check(upload):
    """(content type, extension) of an uploaded file, or a ValidationError naming the file."""
    name = upload.name
    limit = settings.PB_EVIDENCE_MAX_MB * 1024 * 1024
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": settings.PB_EVIDENCE_MAX_MB}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = next(((ctype, ext) for ctype, ext, magic in KINDS if head.startswith(magic)), None)
    if kind is None:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG or PNG file (checked from its content, not its name).") % {"name": name}
        )
    if kind[0] != "application/pdf":
        _image_check(upload, name)
    else:
        upload.seek(max(0, upload.size - 2048))
        tail = upload.read()
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise ValidationError(_("%(name)s is not a complete PDF file.") % {"name": name})
    return kind


def _image_check(upload, name):
    from PIL import Image

    try:
        with Image.open(upload) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for a broken file; all mean the same to the user
        raise ValidationError(_("%(name)s is a damaged image.") % {"name": name}) from None
    finally:
        upload.seek(0)
