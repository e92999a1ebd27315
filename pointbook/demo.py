"""Demo points: the bureau has approved most past attendance records, through the real service."""

from volunteers.models import ServiceRecord, StaffProfile

from .services import record_approve


def demo_points():
    staff = StaffProfile.objects.select_related("user", "region").filter(region__depth=1).first()
    records = ServiceRecord.objects.filter(status=ServiceRecord.Status.VERIFIED_ATTENDANCE).order_by("date", "id")
    waiting = records.count()
    # The last week's records are left in the staff queue.
    approved = 0
    for index, record in enumerate(list(records.select_related("venue", "region"))):
        if index < waiting - 20:
            record_approve(actor=staff.user if staff else None, scope=None, record=record)
            approved += 1
    return {"approved records": approved}
