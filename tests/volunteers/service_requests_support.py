"""Helpers shared by the service-request tests."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from volunteers.models import ServiceRequest, ServiceType
from volunteers.service_requests import services as svc


def png(name="现场照片.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def register(world, *, region=None, code="consultation", now=None, phone="13912345678", name="张大爷", **kw):
    return svc.request_register(
        actor=None,
        channel=ServiceRequest.Channel.PUBLIC,
        name=name,
        phone=phone,
        region=region or world.village_a,
        service_type=ServiceType.objects.get(code=code),
        description="邻居占用宅基地，想咨询怎么办",
        special_groups=["elderly"],
        now=now,
        **kw,
    )


def close(contributor, request, *, score=5, now=None):
    return svc.request_close(
        contributor=contributor,
        request=request,
        outcome="已调解，双方签订协议",
        date=timezone.localdate() - datetime.timedelta(days=1),
        start_time=datetime.time(9, 0),
        hours="2",
        self_score=score,
        files=[png()],
        now=now,
    )
