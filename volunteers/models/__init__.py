"""Who and where, one module per capability; every model is importable from `volunteers.models`."""

from core.models import AuditEntry
from volunteers.models.people import (
    Contributor,
    Membership,
    Organisation,
    Region,
    ServiceType,
    StaffProfile,
    User,
    UserManager,
    Venue,
)
from volunteers.models.records import (
    EvidenceFile,
    ServiceRecord,
    SpecialGroup,
    _PrivateStorage,
    evidence_storage,
)
from volunteers.models.rota import Handover, RotaPolicy, Shift, Signup
from volunteers.models.service_requests import RequestEvent, RequestPolicy, RequestTerms, ServiceRequest
from volunteers.models.spreadsheet_jobs import ExportJob, ImportJob, Invitation

__all__ = [
    "AuditEntry",
    "Contributor",
    "EvidenceFile",
    "ExportJob",
    "Handover",
    "ImportJob",
    "Invitation",
    "Membership",
    "Organisation",
    "Region",
    "RequestEvent",
    "RequestPolicy",
    "RequestTerms",
    "RotaPolicy",
    "ServiceRecord",
    "ServiceRequest",
    "ServiceType",
    "Shift",
    "Signup",
    "SpecialGroup",
    "StaffProfile",
    "User",
    "UserManager",
    "Venue",
    "_PrivateStorage",
    "evidence_storage",
]
