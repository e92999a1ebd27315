"""Service requests (工单): a need registered by or for a member of the public, dispatched to a
qualified contributor and followed until it is finished and evaluated."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import SingleRow
from core.text import NameField
from volunteers.models.people import Contributor, Region, ServiceType, User
from volunteers.models.records import ServiceRecord


class RequestPolicy(SingleRow):
    """The city's rules for requests (one row): how long a request may wait unaccepted at one level
    before it escalates (district, then city)."""

    escalate_hours = models.PositiveSmallIntegerField(
        _("hours a request may wait unaccepted before it escalates"), default=48
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service request rules")
        verbose_name_plural = _("service request rules")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="request_policy_single_row"),
            models.CheckConstraint(condition=Q(escalate_hours__gte=1), name="request_policy_escalate_positive"),
        ]

    def __str__(self):
        return str(_("service request rules"))


class RequestTerms(models.Model):
    """Per service type: who may take its requests and the time limits (accept within N hours,
    finish within N days). A type without terms: anyone with a completed profile, 24 h, 15 days."""

    service_type = models.OneToOneField(
        ServiceType, verbose_name=_("service type"), on_delete=models.CASCADE, related_name="request_terms"
    )
    eligible_kinds = models.JSONField(_("who may take it"), default=list, blank=True)
    accept_hours = models.PositiveSmallIntegerField(_("accept within (hours)"), default=24)
    finish_days = models.PositiveSmallIntegerField(_("finish within (days)"), default=15)

    DEFAULT_ACCEPT_HOURS, DEFAULT_FINISH_DAYS = 24, 15

    class Meta:
        verbose_name = _("service request terms")
        verbose_name_plural = _("service request terms")
        constraints = [
            models.CheckConstraint(condition=Q(accept_hours__gte=1), name="request_terms_accept_positive"),
            models.CheckConstraint(condition=Q(finish_days__gte=1), name="request_terms_finish_positive"),
        ]

    def __str__(self):
        return str(self.service_type)


class ServiceRequest(models.Model):
    """One work order. Its owner is explicit: the staff queue of `queue_region` while nobody is
    assigned (registered, published for claiming), else the `assignee` (dispatched, accepted, closed).
    A check constraint holds it, so a request always has exactly one owner."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be dispatched")
        PUBLISHED = "published", _("Open for qualified contributors to take")
        DISPATCHED = "dispatched", _("Dispatched, waiting for acceptance")
        ACCEPTED = "accepted", _("Accepted, in progress")
        CLOSED = "closed", _("Service finished")

    class Channel(models.TextChoices):
        PUBLIC = "public", _("Public form")
        STAFF = "staff", _("Bureau staff")
        ADVISER = "adviser", _("Village legal adviser")
        HOTLINE = "hotline", _("12348 hotline")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    UNASSIGNED = (State.QUEUED, State.PUBLISHED)
    ASSIGNED = (State.DISPATCHED, State.ACCEPTED, State.CLOSED)
    WAITING_ACCEPT = (State.QUEUED, State.PUBLISHED, State.DISPATCHED)

    reference = models.CharField(_("reference number"), max_length=16, unique=True)
    # Secrets of the public follow page and the rating link: unguessable, never derived from the reference.
    follow_token = models.CharField(max_length=43, unique=True)
    rating_token = models.CharField(max_length=43, unique=True)
    channel = models.CharField(_("registered through"), max_length=10, choices=Channel.choices)
    registered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who needs help: personal data, shown only to staff in scope and the assignee.
    name = NameField(_("name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=20)
    region = models.ForeignKey(Region, verbose_name=_("where"), on_delete=models.PROTECT, related_name="+")
    special_groups = models.JSONField(_("special groups"), default=list, blank=True)
    service_type = models.ForeignKey(ServiceType, verbose_name=_("service type"), on_delete=models.PROTECT)
    description = models.TextField(_("what about"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)

    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.QUEUED)
    queue_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff queue")
    )
    assignee = models.ForeignKey(
        Contributor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("assigned to"),
    )
    # The district (or city) whose staff queue takes the request back after a decline or a timeout.
    home_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    escalations = models.PositiveSmallIntegerField(default=0)
    # When an unaccepted request escalates next; None once it has nowhere higher to go.
    escalate_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accept_due_at = models.DateTimeField()
    finish_due_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # Evaluation: self (at closing), public (rating link), third party (staff review of a sample).
    self_score = models.PositiveSmallIntegerField(_("self-evaluation"), null=True, blank=True)
    public_score = models.PositiveSmallIntegerField(_("rating by the person served"), null=True, blank=True)
    public_comment = models.CharField(pgettext_lazy("rating", "comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    review_score = models.PositiveSmallIntegerField(_("review by staff"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The three combined (see services.evaluation_combined), 1.00–5.00; what points rules may read.
    evaluation = models.DecimalField(_("evaluation"), max_digits=3, decimal_places=2, null=True, blank=True)
    record = models.OneToOneField(
        ServiceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="service_request"
    )
    # The one-time token of the public form it came from: the same form sent twice makes one request.
    submission = models.CharField(max_length=43, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["state", "escalate_at"], name="request_escalate_idx"),
            models.Index(fields=["assignee", "state", "created_at"], name="request_assignee_idx"),
            models.Index(fields=["created_at"], name="request_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state__in=["queued", "published"]) & Q(assignee__isnull=True) & Q(queue_region__isnull=False)
                )
                | (
                    Q(state__in=["dispatched", "accepted", "closed"])
                    & Q(assignee__isnull=False)
                    & Q(queue_region__isnull=True)
                ),
                name="request_exactly_one_owner",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(record__isnull=False), name="request_closed_has_record"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 1, f"{f}__lte": 5}),
                    name=f"request_{f}_one_to_five",
                )
                for f in ("self_score", "public_score", "review_score")
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def owner(self) -> Contributor | Region:
        return self.assignee if self.assignee_id else self.queue_region  # type: ignore[return-value]

    def special_group_labels(self):
        from volunteers.models.records import SpecialGroup

        return [SpecialGroup(code).label for code in self.special_groups if code in SpecialGroup.values]

    def phone_masked(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if len(self.phone) >= 7 else "****"


class RequestEvent(models.Model):
    """The request's history as the people involved read it (the audit rows hold the same, for staff):
    also what "declined before" and the public status timeline are read from."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        DISPATCHED = "dispatched", _("Dispatched")
        PUBLISHED = "published", _("Published for claiming")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        ESCALATED = "escalated", _("Escalated")
        PROGRESS = "progress", _("Progress")
        CLOSED = "closed", _("Service finished")
        RATED = "rated", _("Rated")
        REVIEWED = "reviewed", _("Reviewed by staff")
        REOPENED = "reopened", _("Reopened")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contributor = models.ForeignKey(Contributor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contributor", "kind"], name="request_event_person_idx")]

    def __str__(self):
        return f"{self.request_id} {self.kind}"
