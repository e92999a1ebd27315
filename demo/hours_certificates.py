"""Hours certificates in the demo: the city's settings with a seal (drawn here with Pillow), a district
that signs requests off by hand, a few certificates issued for last year, and one request waiting."""

import io
import math
import random
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.pdf import FONT_PATH
from pointbook.hours_certificates import services
from pointbook.hours_certificates.selectors import period_hours
from pointbook.models import HoursCertificate, HoursCertificateConfig
from volunteers.models import Contributor, Region, User
from volunteers.people.identity import contributor_identity_set

_CHECK = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def seal_png(text: str, size: int = 400) -> bytes:
    """A round red seal: a ring, a five-pointed star, `text` along the upper arc."""
    from PIL import Image, ImageDraw, ImageFont

    red = (200, 16, 32, 235)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c, r = size / 2, size / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), outline=red, width=14)
    star_r = size * 0.17
    points = [
        (
            c + (star_r if i % 2 == 0 else star_r * 0.38) * math.sin(i * math.pi / 5),
            c - (star_r if i % 2 == 0 else star_r * 0.38) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(points, fill=red)
    font = ImageFont.truetype(str(FONT_PATH), int(size * 0.15), index=0)
    span = 220  # degrees of arc the text covers, centred on the top
    step = span / max(len(text) - 1, 1)
    for i, ch in enumerate(text):
        angle = -span / 2 + i * step  # 0 at the top, clockwise
        glyph = Image.new("RGBA", (int(size * 0.2), int(size * 0.2)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
        rad, dist = math.radians(angle), r - size * 0.13
        x, y = c + dist * math.sin(rad), c - dist * math.cos(rad)
        image.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _resident_id(rng: random.Random, born: date) -> str:
    body = f"410402{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def demo_hours_certificates():
    rng = random.Random(12348)
    city = Region.get_first_root_node()
    city_staff = User.objects.get(email="staff.city@demo.cn")
    district_staff = User.objects.select_related("staff_profile__region").get(email="staff.district@demo.cn")
    name = f"{city.name}司法局"
    services.settings_save(
        region=city,
        actor=city_staff,
        bureau_name=name,
        person_in_charge="张建国",
        handling_officer="刘敏",
        contact="0375-12348",
        auto_issue=True,
        seal=SimpleUploadedFile("seal.png", seal_png(name), content_type="image/png"),
    )
    district = district_staff.staff_profile.region
    district_name = f"{district.name}司法局"
    services.settings_save(
        region=district,
        actor=district_staff,
        bureau_name=district_name,
        person_in_charge="陈志强",
        handling_officer="",
        contact="0375-2612348",
        auto_issue=False,
        seal=SimpleUploadedFile("seal.png", seal_png(district_name), content_type="image/png"),
    )
    year = timezone.localdate().year - 1
    starts_on, ends_on = date(year, 1, 1), date(year, 12, 31)
    people = list(
        Contributor.objects.filter(profile_completed_at__isnull=False)
        .exclude(user__email__in=["lawyer@demo.cn"])
        .select_related("user", "region")
        .order_by("id")[:60]
    )
    issued = 0
    for person in people:
        if issued >= 6 or period_hours(person, starts_on, ends_on).hours <= 0:
            continue
        contributor_identity_set(
            contributor=person,
            actor=person.user,
            id_type=Contributor.IdType.RESIDENT_ID,
            id_number=_resident_id(rng, date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))),
        )
        made = services.hours_request(contributor=person, actor=person.user, starts_on=starts_on, ends_on=ends_on)
        if (
            made.status == HoursCertificate.Status.PENDING
            and issued % 2 == 0
            and made.contributor.user != district_staff
        ):
            services.hours_issue(request_id=made.pk, actor=district_staff)
        issued += 1
    # The demo lawyer has an identity document on file, ready to ask.
    lawyer = Contributor.objects.get(user__email="lawyer@demo.cn")
    contributor_identity_set(
        contributor=lawyer,
        actor=lawyer.user,
        id_type=Contributor.IdType.RESIDENT_ID,
        id_number=_resident_id(rng, date(1985, 6, 1)),
    )
    return {"hours certificates": HoursCertificate.objects.count()}


def demo_hours_certificates_reset():
    """Before the certificates they number (demo_recognition_reset) and the people they name."""
    HoursCertificate.objects.all().delete()
    HoursCertificateConfig.objects.all().delete()
