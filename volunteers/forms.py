import datetime
import re
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Contributor, Organisation, Region, RotaPolicy, ServiceType, SpecialGroup, Venue

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * (obj.depth - 1) + obj.name


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


def clean_mobile(value):
    value = "".join(ch for ch in unicodedata.normalize("NFKC", value or "") if ch.isdigit() or ch == "+")
    value = value.removeprefix("+86")
    if not _MOBILE.match(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 13800138000."))
    return value


class ProfileForm(forms.Form):
    kind = forms.ChoiceField(label=_("I serve as"), choices=Contributor.Kind.choices)
    legal_name = forms.CharField(label=_("Legal name"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    region = RegionChoiceField(
        label=_("Region where you mainly serve"),
        queryset=Region.objects.filter(level__lte=Region.Level.TOWNSHIP).order_by("path"),
    )
    specialities = forms.ModelMultipleChoiceField(
        label=_("Specialities"),
        queryset=ServiceType.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    licence_number = forms.CharField(
        label=_("Practice licence number"),
        max_length=40,
        required=False,
        help_text=_("Required for lawyers, grassroots legal workers, notaries and forensic examiners."),
    )
    organisation = OrganisationChoiceField(
        label=_("Ask to join an organisation"),
        queryset=Organisation.objects.select_related("region").order_by("name"),
        required=False,
        empty_label=_("— not now —"),
        help_text=_("The organisation's administrator will confirm that you belong to it."),
    )
    public_listing = forms.BooleanField(
        label=_("Show my name on public lists"), required=False, initial=True,
        help_text=_("Standings and the honour roll show only your family name when this is off."))

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


class ContributorStaffForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contributor.Kind.choices)
    legal_name = forms.CharField(label=_("Legal name"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    licence_number = forms.CharField(label=_("Practice licence number"), max_length=40, required=False)
    verified = forms.BooleanField(
        label=_("Profile verified against the licence register"), required=False,
        help_text=_("Annual commendations can require a verified profile."))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope.subtree().order_by("path")

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


class ScopedModelForm(forms.ModelForm):
    """A staff form whose region choices are limited to the staff member's subtree, so a forged
    region id from elsewhere is refused as an invalid choice."""

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["region"] = RegionChoiceField(
            label=_("Region"), queryset=scope.subtree().order_by("path")
        )

    def validate_unique(self):
        # The services check uniqueness with messages written for people (and the database
        # backs them); Django's generic "already exists" would pre-empt them.
        pass


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "region", "licence_number", "address", "phone", "good_standing"]
        help_texts = {"good_standing": _("Untick while the organisation is under a disciplinary sanction or "
                                         "otherwise not in good standing: awards that require it then pass over "
                                         "its members.")}


class VenueForm(ScopedModelForm):
    class Meta:
        model = Venue
        fields = ["name", "kind", "region", "address", "is_rural", "is_active"]


class RegionForm(forms.Form):
    code = forms.RegexField(
        label=_("Region code"),
        regex=r"^\d{6,12}$",
        error_messages={"invalid": _("A region code has 6 to 12 digits.")},
    )
    name = forms.CharField(label=_("Name"), max_length=100)


class AdminAddForm(forms.Form):
    email = forms.EmailField(label=_("Email of the new administrator"))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class JoinForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Ask to join an organisation"),
        queryset=Organisation.objects.select_related("region").order_by("name"),
    )


# --- Rota ------------------------------------------------------------------------------------------

WEEKDAYS = [(0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun"))]
_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~～至到]\s*(\d{1,2}):(\d{2})\s*$")


def _venue_field(scope):
    return forms.ModelChoiceField(
        label=_("Venue"), queryset=Venue.objects.filter(region__path__startswith=scope.path, is_active=True)
        .select_related("region").order_by("region__path", "name"))


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SeriesForm(forms.Form):
    """Many shifts in one go: weekdays × times of day, every N weeks, between two dates."""

    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    every_weeks = forms.TypedChoiceField(label=_("Repeat"), coerce=int, initial=1, choices=[
        (1, _("Every week")), (2, _("Every other week")), (3, _("Every third week")), (4, _("Every fourth week"))])
    times = forms.CharField(
        label=_("Times of day"), initial="09:00-12:00\n14:00-17:30", widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One time range per line, e.g. 09:00-12:00."))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=200, initial=2)
    min_staffing = forms.IntegerField(label=_("Minimum staffing"), min_value=0, max_value=200, initial=1)
    signup_hours_before = forms.IntegerField(label=_("Sign-up closes (hours before the start)"), min_value=0,
                                             max_value=24 * 30, initial=12)
    cancel_hours_before = forms.IntegerField(label=_("Free cancellation until (hours before the start)"),
                                             min_value=0, max_value=24 * 30, initial=24)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"venue": _venue_field(scope), **self.fields}

    def clean_times(self):
        ranges = []
        for line in self.cleaned_data["times"].splitlines():
            if not line.strip():
                continue
            line = unicodedata.normalize("NFKC", line)
            match = _TIME_RANGE.match(line)
            try:
                h1, m1, h2, m2 = (int(g) for g in match.groups()) if match else (None,) * 4
                start, end = datetime.time(h1, m1), datetime.time(h2, m2)
            except (TypeError, ValueError):
                raise ValidationError(_("“%(line)s” is not a time range like 09:00-12:00.") % {"line": line.strip()})
            if end <= start:
                raise ValidationError(_("In “%(line)s” the end is not after the start.") % {"line": line.strip()})
            ranges.append((start, end))
        if not ranges:
            raise ValidationError(_("Give at least one time range."))
        return ranges


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=200)
    min_staffing = forms.IntegerField(label=_("Minimum staffing"), min_value=0, max_value=200)
    signup_deadline = forms.DateTimeField(label=_("Sign-up deadline"), widget=DateTimeInput())
    cancel_deadline = forms.DateTimeField(label=_("Free cancellation until"), widget=DateTimeInput())

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"venue": _venue_field(scope), **self.fields}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(label=_("Attendance"), coerce=lambda v: v == "yes", choices=[
        ("yes", _("Attended")), ("no", _("No-show"))], widget=forms.RadioSelect)
    started_at = forms.DateTimeField(label=_("Actual start"), required=False, widget=DateTimeInput())
    ended_at = forms.DateTimeField(label=_("Actual end"), required=False, widget=DateTimeInput())


class RotaPolicyForm(forms.ModelForm):
    class Meta:
        model = RotaPolicy
        fields = ["max_hours_per_day", "max_hours_per_week", "offer_hours", "reminder_hours", "no_show_limit",
                  "no_show_window_days"]

    def clean(self):
        cleaned = super().clean()
        day, week = cleaned.get("max_hours_per_day"), cleaned.get("max_hours_per_week")
        if day is not None and not 1 <= day <= 24:
            self.add_error("max_hours_per_day", _("Between 1 and 24 hours."))
        if day and week is not None and week < day:
            self.add_error("max_hours_per_week", _("The weekly cap cannot be below the daily cap."))
        if cleaned.get("offer_hours") is not None and cleaned["offer_hours"] < 1:
            self.add_error("offer_hours", _("At least one hour."))
        if cleaned.get("no_show_window_days") is not None and cleaned["no_show_window_days"] < 1:
            self.add_error("no_show_window_days", _("At least one day."))
        return cleaned


def form_errors_text(form):
    """A form's errors as one line, for a message after a redirect."""
    return " ".join(f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
                    for f, e in form.errors.items())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class LogWorkForm(forms.Form):
    """Other pro-bono work, logged by the contributor with evidence."""

    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.filter(is_active=True))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("Started at"), initial=datetime.time(9, 0),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hours = forms.DecimalField(label=_("Hours"), min_value=Decimal("0.25"), max_value=24, decimal_places=2,
                               widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
                               help_text=_("In quarter-hour steps: 1.5 is an hour and a half."))
    people_served = forms.IntegerField(label=_("People served"), min_value=0, max_value=100000, initial=1)
    special_groups = forms.MultipleChoiceField(label=_("Special groups served"), choices=SpecialGroup.choices,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.order_by("path"))
    venue = forms.ModelChoiceField(label=_("Venue"), required=False, empty_label=_("— not at a venue —"),
                                   queryset=Venue.objects.filter(is_active=True).select_related("region")
                                   .order_by("region__path", "name"))
    description = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence"), required=False, help_text=_(
        "PDF, JPEG or PNG, at most 10 MB each: a sign-in sheet, photos, the agreement reached."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Down to townships keeps the list short on a phone; a village's venue names the village.
        self.fields["region"].queryset = Region.objects.filter(level__lte=Region.Level.TOWNSHIP).order_by("path")
