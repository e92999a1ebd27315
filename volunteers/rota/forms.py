import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from volunteers.models import RotaPolicy, Venue

WEEKDAYS = [(0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun"))]


_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~～至到]\s*(\d{1,2}):(\d{2})\s*$")


def _venue_field(scope):
    return forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.filter(region__path__startswith=scope.path, is_active=True)
        .select_related("region")
        .order_by("region__path", "name"),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SeriesForm(forms.Form):
    """Many shifts in one go: weekdays × times of day, every N weeks, between two dates."""

    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    every_weeks = forms.TypedChoiceField(
        label=_("Repeat"),
        coerce=int,
        initial=1,
        choices=[
            (1, _("Every week")),
            (2, _("Every other week")),
            (3, _("Every third week")),
            (4, _("Every fourth week")),
        ],
    )
    times = forms.CharField(
        label=_("Times of day"),
        initial="09:00-12:00\n14:00-17:30",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One time range per line, e.g. 09:00-12:00."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=200, initial=2)
    min_staffing = forms.IntegerField(label=_("Minimum staffing"), min_value=0, max_value=200, initial=1)
    signup_hours_before = forms.IntegerField(
        label=_("Sign-up closes (hours before the start)"), min_value=0, max_value=24 * 30, initial=12
    )
    cancel_hours_before = forms.IntegerField(
        label=_("Free cancellation until (hours before the start)"), min_value=0, max_value=24 * 30, initial=24
    )

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
    attended = forms.TypedChoiceField(
        label=_("Attendance"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Attended")), ("no", _("No-show"))],
        widget=forms.RadioSelect,
    )
    started_at = forms.DateTimeField(label=_("Actual start"), required=False, widget=DateTimeInput())
    ended_at = forms.DateTimeField(label=_("Actual end"), required=False, widget=DateTimeInput())


class RotaPolicyForm(forms.ModelForm):
    class Meta:
        model = RotaPolicy
        fields = [
            "max_hours_per_day",
            "max_hours_per_week",
            "offer_hours",
            "reminder_hours",
            "no_show_limit",
            "no_show_window_days",
        ]

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


class HandoverForm(forms.Form):
    """Who to offer one's shift to; a named colleague is found by the email they sign in with."""

    audience = forms.ChoiceField(
        label=_("Offer it to"),
        choices=[
            ("colleague", _("A named colleague")),
            ("firm", _("The members of my firm")),
            ("waitlist", _("The people on the waiting list")),
        ],
        widget=forms.RadioSelect,
        initial="colleague",
    )
    colleague_email = forms.EmailField(
        label=_("Colleague's email address"),
        required=False,
        help_text=_("The address your colleague signs in with."),
    )

    def clean(self):
        from volunteers.models import Contributor

        cleaned = super().clean()
        cleaned["colleague"] = None
        if cleaned.get("audience") == "colleague":
            email = cleaned.get("colleague_email")
            if not email:
                if "colleague_email" not in self.errors:
                    self.add_error("colleague_email", _("Enter your colleague's email address."))
                return cleaned
            colleague = Contributor.objects.filter(user__email__iexact=email, user__is_active=True).first()
            if colleague is None or not colleague.is_complete:
                self.add_error("colleague_email", _("Nobody with a completed profile signs in with this address."))
            cleaned["colleague"] = colleague
        return cleaned
