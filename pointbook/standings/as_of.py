"""How every ranking and report says when its figures were counted ("as of")."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def as_of_text(when: datetime | None) -> str:
    """`when` in the active time zone (the city's, TIME_ZONE, unless a request activated another), to
    the minute, with its offset from UTC so a reader elsewhere knows which clock: "2025-03-01 21:15
    (UTC+8)". Digits and the offset read the same in every language; the sentence around it is
    translated where it is used. Empty for None (nothing counted yet)."""
    if when is None:
        return ""
    local = timezone.localtime(when)
    minutes = int(local.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]  # localtime: aware
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    zone = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{local:%Y-%m-%d %H:%M} ({zone})"
