"""The volunteers side's imports: organisations, contributors (the bar association's roster), regions and
venues. Each finds existing rows by its natural key, keeps to the staff member's region, and writes in
bulk. See `spreadsheets.imports.engine` for the engine."""

import secrets
from functools import partial

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.bulk_insert import ids_reserve, rows_insert
from core.text import email_validate
from spreadsheets.imports.engine import ImportKind, duplicates_report, import_kind_register, matching
from spreadsheets.resources.people import ContributorResource, OrganisationResource, RegionResource, VenueResource
from volunteers.models import Contributor, Membership, Organisation, Region, User, Venue
from volunteers.people.forms import clean_mobile
from volunteers.people.licences import licence_validate


def scope_regions(scope):
    """Every region in the staff member's area, by code."""
    return {region.code: region for region in scope.subtree()}


def objects_insert(model, objs):
    """Insert new, unsaved `objs` as bulk_create would (their __init__ filled in every field's default)
    and give them their primary keys, through `rows_insert`: bulk_create compiles SQL per value and
    costs several times the insert itself at 10,000 rows. No signals, as with bulk_create."""
    if not objs:
        return
    for obj, pk in zip(objs, ids_reserve(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, "default"
    columns = [field.attname for field in model._meta.concrete_fields]
    rows_insert(model, columns, [tuple(getattr(obj, name) for name in columns) for obj in objs])


def unusable_password():
    """What make_password(None) gives (an unusable password, different for everyone) without drawing
    40 characters one by one: 10,000 new accounts in milliseconds."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def region_of(plan, row, regions, column, code):
    region = regions.get(code)
    if region is None:
        if Region.objects.filter(code=code).exists():
            plan.problem(row.number, column, _("Region %(code)s is outside your area.") % {"code": code})
        else:
            plan.problem(row.number, column, _("There is no region with code %(code)s.") % {"code": code})
    return region


class _SimpleImport(ImportKind):
    """A kind whose rows are objects created or updated field by field (organisations, venues)."""

    model = None

    def tally(self, plan, row, key, existing, values, make):
        """Note `row` as new (`make()` builds the object), changed or unchanged in `plan.work`."""
        work = plan.work.setdefault("create", []), plan.work.setdefault("update", [])
        changes = existing and self.changes(existing, values)
        if existing is None:
            work[0].append(make())
            plan.sample(row, key)
        elif changes:
            work[1].append((existing, values))
            plan.sample(row, key, changes)
        else:
            plan.unchanged += 1
        plan.new, plan.changed = len(work[0]), len(work[1])

    def apply(self, plan, *, actor, now):
        created = plan.work.get("create", [])
        if hasattr(self.model, "created_at"):
            for obj in created:
                obj.created_at = now
        self.model.objects.bulk_create(created, batch_size=1000)
        changed, fields = [], set()
        for obj, values in plan.work.get("update", []):
            for name, value in values.items():
                setattr(obj, name, value)
            changed.append(obj)
            fields.update(values)
        if changed:
            self.model.objects.bulk_update(changed, sorted(fields), batch_size=1000)


@import_kind_register
class OrganisationImport(_SimpleImport):
    code = "organisations"
    label = gettext_lazy("Organisations")
    help_text = gettext_lazy("Law firms, notary offices and other organisations, found by licence number.")
    order = 10
    resource_class = OrganisationResource
    model = Organisation

    def check(self, plan, rows, *, scope):
        licence = self.header("licence_number")
        rows = duplicates_report(plan, rows, lambda r: r.values["licence_number"], licence)
        regions = scope_regions(scope)
        region_h = self.header("region__code")  # once: a heading is a translation lookup
        existing = {
            o.licence_number: o
            for o in matching(
                Organisation.objects.select_related("region"),
                "licence_number",
                [r.values["licence_number"] for r in rows],
            )
        }
        for row in rows:
            v = row.values
            region = region_of(plan, row, regions, region_h, v["region__code"])
            organisation = existing.get(v["licence_number"])
            if organisation is not None and not scope.contains(organisation.region):
                plan.problem(row.number, licence, _("This organisation belongs to a region outside your area."))
                continue
            if region is None:
                continue
            values = {
                "name": v["name"],
                "kind": v["kind"],
                "region": region,
                "address": v["address"],
                "phone": v["phone"],
                "good_standing": v["good_standing"],
            }
            self.tally(
                plan,
                row,
                f"{v['name']}（{v['licence_number']}）",
                organisation,
                values,
                partial(Organisation, licence_number=v["licence_number"], **values),
            )


@import_kind_register
class ContributorImport(ImportKind):
    code = "contributors"
    label = gettext_lazy("Contributors (roster)")
    help_text = gettext_lazy(
        "Lawyers, notaries, mediators and volunteers, found by licence number (or email "
        "for those without a licence). New people get an account they sign in to with "
        "their email address."
    )
    order = 20
    resource_class = ContributorResource
    invites = True

    def _clean(self, plan, row):
        v = row.values
        ok = True
        if v["kind"] in Contributor.LICENSED_KINDS:
            try:
                licence_validate(v["kind"], v["licence_number"])
            except ValidationError as exc:
                plan.problem(row.number, self.header("licence_number"), " ".join(exc.messages), v["licence_number"])
                ok = False
        else:
            v["licence_number"] = None  # mediators and volunteers hold no practice licence
        try:
            v["phone"] = clean_mobile(v["phone"])
        except ValidationError as exc:
            plan.problem(row.number, self.header("phone"), " ".join(exc.messages), v["phone"])
            ok = False
        try:  # the column's widget has normalised it (full-width characters, the domain's case)
            validate_email(v["user__email"])
            email_validate(v["user__email"])
        except ValidationError:
            plan.problem(
                row.number,
                self.header("user__email"),
                _("“%(value)s” is not an email address.") % {"value": v["user__email"]},
            )
            ok = False
        return ok

    def _known(self, rows):
        """What the rows name that exists already, each kind in one query: contributors by licence,
        accounts by email, organisations by licence, and {contributor id: organisation id} of the current
        memberships of everyone found."""
        by_licence = {
            c.licence_number: c
            for c in matching(
                Contributor.objects.select_related("user", "region"),
                "licence_number",
                [r.values["licence_number"] for r in rows if r.values["licence_number"]],
            )
        }
        # Accounts by email, but not those of the people just found by licence under the same address
        # (a re-imported roster would load everyone twice); emails are unique in the file.
        found = {
            r.values["user__email"].lower()
            for r in rows
            if (c := by_licence.get(r.values["licence_number"]))
            and c.user.email.lower() == r.values["user__email"].lower()
        }
        users = {
            user.lower_email: user
            for user in matching(
                User.objects.annotate(lower_email=Lower("email")).select_related("contributor__region"),
                "lower_email",
                [e for e in (r.values["user__email"].lower() for r in rows) if e not in found],
            )
        }
        organisations = {
            o.licence_number: o
            for o in matching(
                Organisation.objects.select_related("region"),
                "licence_number",
                {r.values["organisation_licence"] for r in rows if r.values["organisation_licence"]},
            )
        }
        current = dict(
            matching(
                Membership.objects.filter(status=Membership.Status.ACTIVE).values_list(
                    "contributor_id", "organisation_id"
                ),
                "contributor_id",
                [c.pk for c in by_licence.values()]
                + [u.contributor.pk for u in users.values() if hasattr(u, "contributor")],
            )
        )
        return by_licence, users, organisations, current

    def _person(self, v, user, by_licence, *, scope, email_h, licence_h):
        """(the contributor the row `v` is about, None for someone new; the problem as (column, message)
        when the row cannot be theirs or they are not the staff member's to change, else None)."""
        email = v["user__email"]
        contributor = by_licence.get(v["licence_number"]) if v["licence_number"] else None
        if contributor is None and user is not None:
            contributor = getattr(user, "contributor", None)
            if contributor is not None and contributor.licence_number and v["licence_number"]:
                # Found by email but holding another licence: another person, or a typing error.
                return contributor, (
                    email_h,
                    _("This email address belongs to the holder of licence %(number)s.")
                    % {"number": contributor.licence_number},
                )
        if contributor is not None:
            if contributor.user.email.lower() != email.lower():
                other = user is not None and user.pk != contributor.user_id
                return contributor, (
                    email_h,
                    _("This email address belongs to another account.")
                    if other
                    else _("This person's account uses %(email)s; people change their own address.")
                    % {"email": contributor.user.email},
                )
            if not scope.contains(contributor.region):
                return contributor, (
                    licence_h if v["licence_number"] else email_h,
                    _("This person belongs to a region outside your area."),
                )
        elif user is not None and (user.is_staff or hasattr(user, "staff_profile")):
            return contributor, (email_h, _("This email address belongs to a staff account."))
        return contributor, None

    def check(self, plan, rows, *, scope):
        # Every problem of a row is reported, not only its first: a row whose cells are wrong is still
        # checked against the people, organisations and regions it names, and written only if all hold.
        cleaned = {row.number: self._clean(plan, row) for row in rows}
        rows = duplicates_report(plan, rows, lambda r: r.values["licence_number"], self.header("licence_number"))
        rows = duplicates_report(plan, rows, lambda r: r.values["user__email"].lower(), self.header("user__email"))
        regions = scope_regions(scope)
        by_licence, users, organisations, current = self._known(rows)
        create, update = [], []
        email_h, licence_h = self.header("user__email"), self.header("licence_number")
        region_h = self.header("region__code")
        for row in rows:
            v = row.values
            email = v["user__email"]
            user = users.get(email.lower())
            ok = cleaned[row.number]
            contributor, problem = self._person(v, user, by_licence, scope=scope, email_h=email_h, licence_h=licence_h)
            if problem is not None:
                plan.problem(row.number, *problem)
                ok = False
            region = region_of(plan, row, regions, region_h, v["region__code"])
            organisation = None
            if v["organisation_licence"]:
                organisation = organisations.get(v["organisation_licence"])
                if organisation is None or not scope.contains(organisation.region):
                    plan.problem(
                        row.number,
                        self.header("organisation_licence"),
                        _("There is no organisation with licence number %(number)s in your area.")
                        % {"number": v["organisation_licence"]},
                    )
                    ok = False
            if not ok or region is None:
                continue
            values = {
                "legal_name": v["legal_name"],
                "kind": v["kind"],
                "licence_number": v["licence_number"],
                "phone": v["phone"],
                "region": region,
            }
            joins = organisation is not None and (contributor is None or current.get(contributor.pk) != organisation.pk)
            key = f"{v['legal_name']}（{v['licence_number'] or email}）"
            changes = contributor and self.changes(contributor, values) + (
                [self.header("organisation_licence")] if joins else []
            )
            if contributor is None:
                create.append((user, email, values, organisation))
                plan.sample(row, key)
            elif changes:
                update.append((contributor, values, organisation if joins else None))
                plan.sample(row, key, changes)
            else:
                plan.unchanged += 1
        plan.new, plan.changed = len(create), len(update)
        plan.work = {"create": create, "update": update}

    def apply(self, plan, *, actor, now):
        today = timezone.localdate(now)
        new_users = [
            User(email=email, password=unusable_password(), date_joined=now)
            for user, email, _values, _org in plan.work["create"]
            if user is None
        ]
        objects_insert(User, new_users)
        plan.work["new_users"] = new_users  # whom an invitation may go to (the import's `invite`)
        objects_insert(
            EmailAddress,
            [EmailAddress(user=user, email=user.email, primary=True, verified=False) for user in new_users],
        )
        fresh = iter(new_users)
        contributors, joins = [], []
        for user, _email, values, organisation in plan.work["create"]:
            contributor = Contributor(user=user or next(fresh), profile_completed_at=now, created_at=now, **values)
            contributors.append(contributor)
            if organisation is not None:
                joins.append((contributor, organisation))
        objects_insert(Contributor, contributors)
        changed = []
        for contributor, values, organisation in plan.work["update"]:
            if (contributor.legal_name, contributor.licence_number) != (values["legal_name"], values["licence_number"]):
                contributor.verified_at = None  # what the bureau checked has changed: it is checked again
            for name, value in values.items():
                setattr(contributor, name, value)
            changed.append(contributor)
            if organisation is not None:
                joins.append((contributor, organisation))
        Contributor.objects.bulk_update(
            changed, ["legal_name", "kind", "licence_number", "phone", "region", "verified_at"], batch_size=1000
        )
        self._join(joins, actor=actor, now=now, today=today, new={c.pk for c in contributors})

    def _join(self, joins, *, actor, now, today, new=frozenset()):
        """The roster's organisation becomes each person's current one: a membership elsewhere ends today,
        and a request waiting for this organisation is confirmed rather than duplicated."""
        if not joins:
            return
        ids = [contributor.pk for contributor, _org in joins if contributor.pk not in new]  # `new` have none
        ending = Membership.objects.filter(status=Membership.Status.ACTIVE).only("pk", "started_on")
        for membership in list(matching(ending, "contributor_id", ids)):
            Membership.objects.filter(pk=membership.pk).update(
                status=Membership.Status.ENDED,
                ended_on=max(today, membership.started_on),
                note=gettext_noop("Moved to another organisation"),
            )
        waiting = {
            (m.contributor_id, m.organisation_id): m.pk
            for m in matching(Membership.objects.filter(status=Membership.Status.PENDING), "contributor_id", ids)
        }
        confirmed, created = [], []
        for contributor, organisation in joins:
            pk = waiting.get((contributor.pk, organisation.pk))
            if pk is not None:
                confirmed.append(pk)
            else:
                created.append(
                    Membership(
                        contributor=contributor,
                        organisation=organisation,
                        status=Membership.Status.ACTIVE,
                        requested_at=now,
                        started_on=today,
                        decided_by=actor,
                        decided_at=now,
                        note=gettext_noop("Imported roster"),
                    )
                )
        for start in range(0, len(confirmed), 5000):
            Membership.objects.filter(pk__in=confirmed[start : start + 5000]).update(
                status=Membership.Status.ACTIVE, started_on=today, decided_by=actor, decided_at=now
            )
        objects_insert(Membership, created)


@import_kind_register
class RegionImport(ImportKind):
    code = "regions"
    label = gettext_lazy("Regions")
    help_text = gettext_lazy(
        "Districts, townships and villages under a parent region, found by region code. "
        "A parent must come before its children."
    )
    order = 30
    resource_class = RegionResource

    def check(self, plan, rows, *, scope):
        code_h, parent_h = self.header("code"), self.header("parent_code")
        rows = duplicates_report(plan, rows, lambda r: r.values["code"], code_h)
        inside = scope_regions(scope)
        everywhere = dict(Region.objects.values_list("code", "path"))
        levels = {code: region.level for code, region in inside.items()}
        create, update = [], []
        for row in rows:
            v = row.values
            region = inside.get(v["code"])
            if region is None and v["code"] in everywhere:
                plan.problem(row.number, code_h, _("Region %(code)s is outside your area.") % {"code": v["code"]})
                continue
            if region is not None:
                parent_code = region.get_parent().code if region.depth > 1 else ""
                if v["parent_code"] and v["parent_code"] != parent_code:
                    plan.problem(
                        row.number,
                        parent_h,
                        _("A region cannot be moved by importing; its parent is %(code)s.")
                        % {"code": parent_code or "—"},
                    )
                elif region.name != v["name"]:
                    update.append((region, v["name"]))
                    plan.sample(row, f"{v['name']}（{v['code']}）", [self.header("name")])
                else:
                    plan.unchanged += 1
                continue
            parent_level = levels.get(v["parent_code"])
            if not v["parent_code"]:
                plan.problem(row.number, parent_h, _("A new region needs the code of its parent region."))
            elif parent_level is None:
                plan.problem(
                    row.number,
                    parent_h,
                    _("There is no region with code %(code)s in your area, nor in an earlier row.")
                    % {"code": v["parent_code"]},
                )
            elif parent_level >= Region.Level.VILLAGE:
                plan.problem(row.number, parent_h, _("A village or community cannot have regions under it."))
            elif v["level"] and int(v["level"]) != parent_level + 1:
                plan.problem(
                    row.number,
                    self.header("level"),
                    _("Under %(parent)s the level is %(level)s.")
                    % {"parent": v["parent_code"], "level": Region.Level(parent_level + 1).label},
                )
            else:
                levels[v["code"]] = parent_level + 1
                create.append((v["code"], v["name"], v["parent_code"]))
                plan.sample(row, f"{v['name']}（{v['code']}）")
        plan.new, plan.changed = len(create), len(update)
        plan.work = {"create": create, "update": update}

    def apply(self, plan, *, actor, now):
        # treebeard updates the parent's child count on the instance it is given, so each parent is
        # one instance for the whole import.
        nodes = {}
        for code, name, parent_code in plan.work["create"]:
            parent = nodes.get(parent_code) or Region.objects.get(code=parent_code)
            nodes[code] = parent.add_child(code=code, name=name, level=parent.level + 1)
            nodes[parent_code] = parent
        for region, name in plan.work["update"]:
            Region.objects.filter(pk=region.pk).update(name=name)


@import_kind_register
class VenueImport(_SimpleImport):
    code = "venues"
    label = gettext_lazy("Venues")
    help_text = gettext_lazy("Service centres, workstations and village rooms, found by region code and name.")
    order = 40
    resource_class = VenueResource
    model = Venue

    def check(self, plan, rows, *, scope):
        rows = duplicates_report(
            plan, rows, lambda r: (r.values["region__code"], r.values["name"]), self.header("name")
        )
        regions = scope_regions(scope)
        region_h = self.header("region__code")
        existing = {
            (v.region.code, v.name): v
            for v in matching(
                Venue.objects.select_related("region"),
                "region",
                {regions[r.values["region__code"]].pk for r in rows if r.values["region__code"] in regions},
            )
        }
        for row in rows:
            v = row.values
            region = region_of(plan, row, regions, region_h, v["region__code"])
            if region is None:
                continue
            values = {
                "kind": v["kind"],
                "address": v["address"],
                "is_rural": v["is_rural"],
                "is_active": v["is_active"],
            }
            self.tally(
                plan,
                row,
                f"{v['name']}（{region.name}）",
                existing.get((v["region__code"], v["name"])),
                values,
                partial(Venue, name=v["name"], region=region, **values),
            )
