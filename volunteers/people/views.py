"""Thin views: parse the request, check who is asking, call a service or selector, render."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from core.health import queue_state
from core.http import form_add_errors, page_of, safe_next
from volunteers.models import Contributor, Membership, Organisation, Region, Shift, Venue
from volunteers.people import selectors, services
from volunteers.people.forms import (
    AdminAddForm,
    ContributorStaffForm,
    DeclineForm,
    JoinForm,
    OrganisationForm,
    ProfileForm,
    RegionForm,
    VenueForm,
)
from volunteers.rota import selectors as rota_selectors
from volunteers.service_requests import selectors as request_selectors

# --- The contributor's own profile --------------------------------------------------------------


def to_profile_form(next_url):
    """Send someone without a completed profile to fill it in, then back to `next_url`."""
    return redirect(f"{reverse('profile_complete')}?{urlencode({'next': next_url})}")


def _own_contributor(request):
    return Contributor.objects.select_related("region").filter(user=request.user).first()


@login_required
def profile(request):
    contributor = _own_contributor(request)
    if contributor is None:
        return redirect("profile_complete")
    memberships = selectors.contributor_memberships(contributor)
    org_q = request.GET.get("org_q", "").strip()[:60]
    current = next((m for m in memberships if m.status == Membership.Status.ACTIVE), None)
    return render(
        request,
        "volunteers/profile.html",
        {
            "contributor": contributor,
            "specialities": list(contributor.specialities.all()),
            "current": current,
            "pending": next((m for m in memberships if m.status == Membership.Status.PENDING), None),
            "memberships": memberships,
            "org_q": org_q,
            "org_results": selectors.organisations_matching(org_q, exclude=current.organisation if current else None)
            if org_q
            else [],
        },
    )


@login_required
def profile_complete(request):
    contributor = _own_contributor(request)
    initial = {}
    if contributor is not None:
        initial = {
            "kind": contributor.kind,
            "legal_name": contributor.legal_name,
            "phone": contributor.phone,
            "region": contributor.region_id,
            "licence_number": contributor.licence_number or "",
            "specialities": list(contributor.specialities.values_list("pk", flat=True)),
            "public_listing": contributor.public_listing,
        }
    form = ProfileForm(request.POST or None, initial=initial)
    if contributor is not None:
        # Joining is done from the profile page once the profile exists.
        del form.fields["organisation"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_complete(
                user=request.user,
                kind=data["kind"],
                legal_name=data["legal_name"],
                phone=data["phone"],
                region=data["region"],
                specialities=data["specialities"],
                licence_number=data["licence_number"],
                organisation=data.get("organisation"),
                public_listing=data["public_listing"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            if data.get("organisation"):
                messages.info(
                    request,
                    _("Your request to join %(org)s is waiting for confirmation.") % {"org": data["organisation"].name},
                )
            return redirect(safe_next(request, "profile"))
    return render(request, "volunteers/profile_form.html", {"form": form, "first_time": contributor is None})


@login_required
@require_POST
def membership_request(request):
    contributor = _own_contributor(request)
    if contributor is None:
        raise Http404
    form = JoinForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("organisation", []):
            messages.error(request, error)
        return redirect("profile")
    try:
        services.membership_request(contributor=contributor, organisation=form.cleaned_data["organisation"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Your request to join %(org)s is waiting for confirmation.")
            % {"org": form.cleaned_data["organisation"].name},
        )
    return redirect("profile")


def _own_membership_or_404(contributor, pk):
    try:
        return contributor.memberships.get(pk=pk)
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
@require_POST
def membership_withdraw(request, pk):
    contributor = _own_contributor(request)
    if contributor is None:
        raise Http404
    membership = _own_membership_or_404(contributor, pk)
    try:
        services.membership_withdraw(contributor=contributor, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("profile")


@login_required
@require_POST
def membership_leave(request, pk):
    contributor = _own_contributor(request)
    if contributor is None:
        raise Http404
    membership = _own_membership_or_404(contributor, pk)
    try:
        services.membership_end(actor=request.user, membership=membership, reason=gettext_noop("Left the organisation"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You have left %(org)s.") % {"org": membership.organisation.name})
    return redirect("profile")


# --- Organisation admins ------------------------------------------------------------------------


@login_required
def org_index(request):
    organisations = list(request.user.administered_organisations.select_related("region").order_by("name"))
    if not organisations:
        raise PermissionDenied
    if len(organisations) == 1:
        return redirect("org_members", pk=organisations[0].pk)
    return render(request, "volunteers/org_index.html", {"organisations": organisations})


@login_required
def org_members(request, pk):
    organisation = selectors.organisation_for_admin_or_404(request.user, pk)
    return render(
        request,
        "volunteers/org_members.html",
        {
            "organisation": organisation,
            "decline_form": DeclineForm(),
            **selectors.organisation_members(organisation),
        },
    )


@login_required
@require_POST
def org_member_action(request, pk, membership_pk, action):
    organisation = selectors.organisation_for_admin_or_404(request.user, pk)
    try:
        membership = organisation.memberships.select_related("contributor").get(pk=membership_pk)
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None
    name = membership.contributor.legal_name
    try:
        if action == "confirm":
            services.membership_confirm(actor=request.user, membership=membership)
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        elif action == "decline":
            form = DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.membership_decline(actor=request.user, membership=membership, reason=reason)
            messages.success(request, _("The request from %(name)s was declined.") % {"name": name})
        elif action == "remove":
            services.membership_end(
                actor=request.user, membership=membership, reason=gettext_noop("Removed by the organisation")
            )
            messages.success(request, _("%(name)s is no longer a member.") % {"name": name})
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("org_members", pk=organisation.pk)


# --- Bureau staff area --------------------------------------------------------------------------


def staff_required(view):
    """Signed-in bureau staff only; the view receives the region they are responsible for."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        scope = selectors.staff_region(request.user)
        if scope is None:
            raise PermissionDenied
        return view(request, scope, *args, **kwargs)

    return wrapper


@staff_required
def staff_dashboard(request, scope):
    now = timezone.now()
    return render(
        request,
        "volunteers/staff/dashboard.html",
        {
            "scope": scope,
            "counts": {
                "upcoming_shifts": rota_selectors.shifts_for_staff(scope, now=now)
                .filter(status=Shift.Status.SCHEDULED)
                .count(),
                "thin_shifts": rota_selectors.shifts_below_minimum(
                    scope, now=now, days=settings.PB_COVERAGE_DAYS
                ).count(),
                "regions": scope.subtree().count(),
                "venues": selectors.venues_for_staff(scope).count(),
                "organisations": selectors.organisations_for_staff(scope).count(),
                "contributors": selectors.contributors_for_staff(scope).count(),
                "requests_overdue": request_selectors.overdue_count(scope, now=now),
            },
            # The whole site's background work (not a region's): emails and reports wait on it.
            "queue": queue_state(now=now),
        },
    )


@staff_required
def staff_regions(request, scope):
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "volunteers/staff/regions.html",
        {
            "scope": scope,
            "q": q,
            "page": page_of(request, selectors.regions_for_staff(scope, q=q)),
        },
    )


@staff_required
def staff_region_edit(request, scope, pk):
    region = selectors.get_in_scope_or_404(Region.objects.all(), scope, pk, field=None)
    form = RegionForm(request.POST or None, initial={"code": region.code, "name": region.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.region_update(actor=request.user, scope=scope, region=region, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_regions")
    return render(
        request,
        "volunteers/staff/form.html",
        {
            "scope": scope,
            "form": form,
            "title": _("Edit region %(name)s") % {"name": region.name},
            "back": "staff_regions",
        },
    )


@staff_required
def staff_region_add_child(request, scope, pk):
    parent = selectors.get_in_scope_or_404(Region.objects.all(), scope, pk, field=None)
    form = RegionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_add_child(actor=request.user, scope=scope, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_regions")
    return render(
        request,
        "volunteers/staff/form.html",
        {
            "scope": scope,
            "form": form,
            "title": _("Add a region under %(name)s") % {"name": parent.name},
            "back": "staff_regions",
        },
    )


@staff_required
def staff_venues(request, scope):
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "volunteers/staff/venues.html",
        {
            "scope": scope,
            "q": q,
            "page": page_of(request, selectors.venues_for_staff(scope, q=q)),
        },
    )


def _staff_model_form(request, scope, *, form_class, save, instance, title, back):
    """Render and handle a staff create/edit form; `save` is the service, called with the
    instance under its model name (venue=…, organisation=…) and the form's fields."""
    form = form_class(request.POST or None, instance=instance, scope=scope)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form._meta.fields}
        try:
            saved = save(
                actor=request.user, scope=scope, **{form_class._meta.model._meta.model_name: instance}, **fields
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return saved, None
    return None, render(
        request,
        "volunteers/staff/form.html",
        {
            "scope": scope,
            "form": form,
            "title": title,
            "back": back,
        },
    )


@staff_required
def staff_venue_edit(request, scope, pk=None):
    venue = selectors.get_in_scope_or_404(Venue.objects.all(), scope, pk) if pk else None
    title = _("Edit venue %(name)s") % {"name": venue.name} if venue else _("New venue")
    saved, response = _staff_model_form(
        request, scope, form_class=VenueForm, save=services.venue_save, instance=venue, title=title, back="staff_venues"
    )
    return redirect("staff_venues") if saved else response


@staff_required
def staff_organisations(request, scope):
    q = request.GET.get("q", "").strip()
    page = page_of(request, selectors.organisations_for_staff(scope, q=q))
    return render(
        request,
        "volunteers/staff/organisations.html",
        {
            "scope": scope,
            "q": q,
            "page": page,
            "organisations": selectors.with_member_counts(page),
        },
    )


@staff_required
def staff_organisation_edit(request, scope, pk=None):
    organisation = selectors.get_in_scope_or_404(Organisation.objects.all(), scope, pk) if pk else None
    title = _("Edit %(name)s") % {"name": organisation.name} if organisation else _("New organisation")
    saved, response = _staff_model_form(
        request,
        scope,
        form_class=OrganisationForm,
        save=services.organisation_save,
        instance=organisation,
        title=title,
        back="staff_organisations",
    )
    if saved:
        return redirect("staff_organisation_admins", pk=saved.pk)
    return response


@staff_required
def staff_organisation_admins(request, scope, pk):
    organisation = selectors.get_in_scope_or_404(Organisation.objects.all(), scope, pk)
    form = AdminAddForm(request.POST or None)
    if request.method == "POST":
        remove_id = request.POST.get("remove")
        if remove_id:
            user = organisation.admins.filter(pk=remove_id if remove_id.isdigit() else None).first()
            if user is None:
                messages.error(request, _("That person is not an administrator of this organisation."))
            else:
                services.organisation_admin_remove(actor=request.user, organisation=organisation, user=user)
                messages.success(request, _("Saved."))
            return redirect("staff_organisation_admins", pk=organisation.pk)
        if form.is_valid():
            user = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            if user is None:
                form.add_error("email", _("No account uses this email address. Ask the person to sign up first."))
            else:
                services.organisation_admin_add(actor=request.user, organisation=organisation, user=user)
                messages.success(request, _("Saved."))
                return redirect("staff_organisation_admins", pk=organisation.pk)
    return render(
        request,
        "volunteers/staff/organisation_admins.html",
        {
            "scope": scope,
            "organisation": organisation,
            "form": form,
            "admins": list(organisation.admins.order_by("email")),
        },
    )


@staff_required
def staff_people(request, scope):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in Contributor.Kind.values:
        kind = ""
    return render(
        request,
        "volunteers/staff/people.html",
        {
            "scope": scope,
            "q": q,
            "kind": kind,
            "kinds": Contributor.Kind.choices,
            "page": page_of(request, selectors.contributors_for_staff(scope, q=q, kind=kind)),
        },
    )


@staff_required
def staff_person_edit(request, scope, pk):
    contributor = selectors.get_in_scope_or_404(Contributor.objects.select_related("user", "region"), scope, pk)
    initial = {
        "kind": contributor.kind,
        "legal_name": contributor.legal_name,
        "phone": contributor.phone,
        "region": contributor.region_id,
        "licence_number": contributor.licence_number or "",
        "licensed_on": contributor.licensed_on,
        "verified": contributor.verified_at is not None,
    }
    form = ContributorStaffForm(request.POST or None, initial=initial, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            services.contributor_update(actor=request.user, contributor=contributor, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_people")
    return render(
        request,
        "volunteers/staff/form.html",
        {
            "scope": scope,
            "form": form,
            "back": "staff_people",
            "title": _("Edit %(name)s (%(email)s)") % {"name": contributor.legal_name, "email": contributor.user.email},
            "memberships": selectors.contributor_memberships(contributor),
        },
    )
