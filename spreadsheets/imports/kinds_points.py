"""The pointbook's imports: service records verified in earlier years (posted to the ledger through the
bulk posting service, with the same rules, caps and idempotency keys), and yearly targets."""

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.bulk_insert import ids_reserve
from pointbook.ledger.bulk import _Rules, records_add_approved
from pointbook.models import TargetPlan
from pointbook.targets.services import DEFAULT_SHARES, MAX_TARGET, METRICS, YEARS, target_plan_set
from spreadsheets.imports.engine import ImportKind, duplicates_report, import_kind_register, matching
from spreadsheets.imports.kinds_people import region_of, scope_regions
from spreadsheets.resources.people import header_key
from spreadsheets.resources.points import HistoryResource, TargetResource
from volunteers.models import Contributor, ServiceRecord, ServiceType, Venue
from volunteers.people.licences import licence_normalise

# Imported history starts at nine in the morning, local time: a daytime record, as most were.
HISTORY_START = datetime.time(9, 0)
# How exports name records made on the site (they have no source id of their own).
SITE_REF = re.compile(r"^record:(\d{1,12})$")

RECORD_COLUMNS = (
    "id",
    "contributor_id",
    "service_type_id",
    "venue_id",
    "region_id",
    "date",
    "started_at",
    "ended_at",
    "hours",
    "created_at",
    "updated_at",
    "people_served",
    "special_groups",
    "description",
    "import_ref",
    "flagged",
    "flag_reason",
)


def _people(refs, scope_path):
    """Contributors by licence number and by lower-case email, for the people a file names."""
    licences = {licence_normalise(ref) for ref in refs if "@" not in ref}
    emails = {ref.lower() for ref in refs if "@" in ref}
    found = {}
    fields = ("pk", "licence_number", "region__path", "legal_name", "user_id")
    for row in matching(Contributor.objects.values_list(*fields), "licence_number", licences):
        found[row[1]] = row
    for row in matching(
        Contributor.objects.annotate(email=Lower("user__email")).values_list(*fields, "email"), "email", emails
    ):
        found[row[5]] = row[:5]
    return found


def _existing_records(refs):
    """What was imported under each source id, as (person, type, date, hours). Exports name the site's
    own records `record:<id>`, so a file exported and imported again finds them too."""
    fields = ("contributor_id", "service_type_id", "date", "hours")
    found = {
        ref: tuple(rest)
        for ref, *rest in matching(ServiceRecord.objects.values_list("import_ref", *fields), "import_ref", refs)
    }
    own = {int(m.group(1)): ref for ref in refs if (m := SITE_REF.match(ref))}
    for pk, *rest in matching(ServiceRecord.objects.values_list("pk", *fields), "pk", own):
        found[own[pk]] = tuple(rest)
    return found


def _service_types():
    lookup = {}
    for pk, code, name_zh, name_en in ServiceType.objects.values_list("pk", "code", "name_zh", "name_en"):
        for text in (code, name_zh, name_en):
            lookup[header_key(text)] = pk
    return lookup


class _Record:
    """A new record as the bulk approval reads it (ServiceRecord's attribute names): building 100,000
    model instances would cost more than inserting them."""

    __slots__ = (
        "pk",
        "contributor_id",
        "service_type_id",
        "venue",
        "region_id",
        "date",
        "started_at",
        "ended_at",
        "hours",
        "special_groups",
    )

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


@import_kind_register
class HistoryImport(ImportKind):
    code = "history"
    label = gettext_lazy("Service records of earlier years")
    help_text = gettext_lazy(
        "Pro-bono work verified before this site, one row per record with its source id. "
        "Each becomes an approved record and points under the rules of its date."
    )
    order = 50
    resource_class = HistoryResource

    def check(self, plan, rows, *, scope):
        h = self.header
        rows = duplicates_report(plan, rows, lambda r: r.values["import_ref"], h("import_ref"))
        this_year = timezone.localdate().year
        regions = scope_regions(scope)
        people = _people({r.values["person"] for r in rows}, scope.path)
        types = _service_types()
        venues = {
            (region_id, name): pk
            for pk, region_id, name in Venue.objects.filter(region__path__startswith=scope.path).values_list(
                "pk", "region_id", "name"
            )
        }
        imported = _existing_records([r.values["import_ref"] for r in rows])
        rules = _Rules()
        region_h = h("region__code")  # once: a heading is a translation lookup
        type_keys = {}
        work, day_hours = [], defaultdict(Decimal)
        for row in rows:
            v = row.values
            person = self._person(plan, row, people, scope=scope, imported=imported)
            if person is None:
                continue
            spelt = v["service_type"]
            key = type_keys.get(spelt) or type_keys.setdefault(spelt, header_key(spelt))  # each spelling once
            type_id = types.get(key)
            if type_id is None:
                plan.problem(
                    row.number,
                    h("service_type"),
                    _("There is no service type “%(value)s”.") % {"value": v["service_type"]},
                )
                continue
            region = region_of(plan, row, regions, region_h, v["region__code"])
            if region is None:
                continue
            venue_id = None
            if v["venue__name"]:
                venue_id = venues.get((region.pk, v["venue__name"]))
                if venue_id is None:
                    plan.problem(
                        row.number,
                        h("venue__name"),
                        _("Region %(code)s has no venue “%(name)s”.") % {"code": region.code, "name": v["venue__name"]},
                    )
                    continue
            before = imported.get(v["import_ref"])
            if before is None and SITE_REF.match(v["import_ref"]):
                plan.problem(
                    row.number,
                    h("import_ref"),
                    _("Source ids like record:123 name this site's own records, and there is no such record."),
                )
                continue
            if before is not None:
                if before != (person[0], type_id, v["date"], v["hours"]):
                    plan.problem(
                        row.number,
                        h("import_ref"),
                        _(
                            "This source id was imported before with other "
                            "content. Imported history is not changed by "
                            "importing again."
                        ),
                    )
                else:
                    plan.unchanged += 1
                continue
            if v["date"].year >= this_year:
                plan.problem(
                    row.number,
                    h("date"),
                    _("History is for earlier years; work of %(year)s is logged and approved on the site.")
                    % {"year": this_year},
                )
                continue
            if rules.in_force(type_id, v["date"]) is None:
                plan.problem(
                    row.number,
                    h("service_type"),
                    _("No points rule for this service type was in force on %(date)s.")
                    % {"date": v["date"].isoformat()},
                )
                continue
            day_hours[(person[0], v["date"])] += v["hours"]
            work.append((row.number, person[0], type_id, venue_id, region.pk, v))
            plan.sample(
                row,
                lambda v=v, name=person[3]: (
                    _("%(ref)s: %(name)s · %(date)s · %(hours)s h · %(type)s")
                    % {
                        "ref": v["import_ref"],
                        "name": name,
                        "date": v["date"].isoformat(),
                        "hours": f"{v['hours']:g}",
                        "type": v["service_type"],
                    }
                ),
            )
        self._day_limit(plan, work, day_hours)
        plan.new = len(work)
        plan.work = {"records": work}

    def _person(self, plan, row, people, *, scope, imported):
        """The row's contributor, or None with the row's problem said."""
        ref = row.values["person"]
        person = people.get(ref.lower() if "@" in ref else licence_normalise(ref))
        # A record already here is compared whoever made it (a district exports the work done in it,
        # by people from elsewhere too); a new one must be by someone of the staff's area.
        if person is None or (not person[2].startswith(scope.path) and row.values["import_ref"] not in imported):
            message = _("No contributor in your area has the licence number or email %(value)s.") % {"value": ref}
        elif plan.actor is not None and person[4] == plan.actor.pk:
            message = _("This is your own service: another member of staff has to import it.")
        else:
            return person
        plan.problem(row.number, self.header("person"), message)
        return None

    def _day_limit(self, plan, work, day_hours):
        """A day has 24 hours: what a person already has on a date counts with the file's rows."""
        if not work:
            return
        people = {w[1] for w in work}
        dates = [w[5]["date"] for w in work]
        counting = (
            ServiceRecord.objects.filter(date__range=(min(dates), max(dates)), status__in=ServiceRecord.COUNTING)
            .values_list("contributor_id", "date")
            .annotate(h=Sum("hours"))
            .values_list("contributor_id", "date", "h")
        )
        already = {(c, d): h for c, d, h in matching(counting, "contributor_id", people)}
        over = {key for key, hours in day_hours.items() if hours + already.get(key, 0) > 24}
        for number, contributor_id, _t, _v, _r, v in work:
            if (contributor_id, v["date"]) in over:
                plan.problem(
                    number,
                    self.header("hours"),
                    _("This person would have more than 24 hours on %(date)s.") % {"date": v["date"].isoformat()},
                )

    def apply(self, plan, *, actor, now):
        work = sorted(plan.work["records"], key=lambda w: (w[1], w[5]["date"]))  # one person's records together
        if not work:
            return
        ids = ids_reserve(ServiceRecord, len(work))
        tz = timezone.get_current_timezone()
        records, rows = [], []
        venues = Venue.objects.in_bulk({w[3] for w in work if w[3]})
        for pk, (_number, contributor_id, type_id, venue_id, region_id, v) in zip(ids, work, strict=True):
            started = datetime.datetime.combine(v["date"], HISTORY_START, tzinfo=tz)
            ended = started + datetime.timedelta(hours=float(v["hours"]))
            rows.append(
                (
                    pk,
                    contributor_id,
                    type_id,
                    venue_id,
                    region_id,
                    v["date"],
                    started,
                    ended,
                    v["hours"],
                    now,
                    now,
                    v["people_served"] or 0,
                    v["special_groups"],
                    v["description"],
                    v["import_ref"],
                    False,
                    "",
                )
            )
            records.append(
                _Record(
                    pk=pk,
                    contributor_id=contributor_id,
                    service_type_id=type_id,
                    venue=venues.get(venue_id),
                    region_id=region_id,
                    date=v["date"],
                    started_at=started,
                    ended_at=ended,
                    hours=v["hours"],
                    special_groups=v["special_groups"],
                )
            )
        _posted, _capped, refused = records_add_approved(
            actor=actor, records=records, columns=RECORD_COLUMNS, rows=rows, now=now
        )
        if refused:  # checked in the preview; a rule removed since then stops the whole import
            raise ValidationError(_("A points rule changed during the import; nothing was imported."))


@import_kind_register
class TargetImport(ImportKind):
    code = "targets"
    label = gettext_lazy("Yearly targets")
    help_text = gettext_lazy("A region's targets for a year and the share expected by each quarter's end.")
    order = 60
    resource_class = TargetResource

    def check(self, plan, rows, *, scope):
        h = self.header
        rows = duplicates_report(plan, rows, lambda r: (r.values["region__code"], r.values["year"]), h("year"))
        regions = scope_regions(scope)
        existing = {}
        for target_plan in TargetPlan.objects.filter(region__path__startswith=scope.path).prefetch_related("targets"):
            existing[(target_plan.region_id, target_plan.year)] = (
                {t.metric: t.value for t in target_plan.targets.all()},
                (target_plan.q1_share, target_plan.q2_share, target_plan.q3_share, target_plan.q4_share),
            )
        work = []
        for row in rows:
            v = row.values
            region = region_of(plan, row, regions, h("region__code"), v["region__code"])
            if region is None:
                continue
            if not YEARS[0] <= v["year"] <= YEARS[1]:
                plan.problem(
                    row.number,
                    h("year"),
                    _("Give a year between %(low)s and %(high)s.") % {"low": YEARS[0], "high": YEARS[1]},
                )
                continue
            values, bad = {}, False
            for metric in METRICS:
                value = v[metric.value]
                if value is None or value > MAX_TARGET:
                    plan.problem(
                        row.number,
                        h(metric.value),
                        _("Give a target from 0 to %(most)s (0 if there is none).") % {"most": MAX_TARGET},
                    )
                    bad = True
                values[metric.value] = value
            before = existing.get((region.pk, v["year"]))
            given = [v[f"q{q}_share"] for q in range(1, 5)]
            shares = tuple(
                s if s is not None else d for s, d in zip(given, before[1] if before else DEFAULT_SHARES, strict=True)
            )
            if any(a > b for a, b in pairwise(shares)):
                plan.problem(
                    row.number,
                    h("q1_share"),
                    _(
                        "The shares are cumulative: each quarter's share must be "
                        "at least the one before it (for example 10, 60, 100, 100)."
                    ),
                )
                bad = True
            if bad:
                continue
            if before == (values, shares):
                plan.unchanged += 1
                continue
            if before is None:
                plan.new += 1
                plan.sample(row, f"{region.name} {v['year']}")
            else:
                plan.changed += 1
                plan.sample(
                    row,
                    f"{region.name} {v['year']}",
                    [h(m.value) for m in METRICS if before[0].get(m.value) != values[m.value]]
                    + ([h("q1_share")] if before[1] != shares else []),
                )
            work.append((region, v["year"], values, shares))
        plan.work = {"plans": work}

    def apply(self, plan, *, actor, now):
        for region, year, values, shares in plan.work["plans"]:
            target_plan_set(region=region, year=year, values=values, shares=shares, actor=actor)
