import datetime
import re
import secrets
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.models import Region, ServiceType, SpecialGroup, Venue
from volunteers.people.forms import RegionChoiceField


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


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class LogWorkForm(forms.Form):
    """Other pro-bono work, logged by the contributor with evidence. Each form shown carries a one-time
    token (`submission`): sending the same form twice logs the work once."""

    submission = forms.CharField(required=False, max_length=43, widget=forms.HiddenInput, initial=new_submission_token)

    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.filter(is_active=True))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        label=_("Started at"),
        initial=datetime.time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=24,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        help_text=_("In quarter-hour steps: 1.5 is an hour and a half."),
    )
    people_served = forms.IntegerField(label=_("People served"), min_value=0, max_value=100000, initial=1)
    special_groups = forms.MultipleChoiceField(
        label=_("Special groups served"),
        choices=SpecialGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.order_by("path"))
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        required=False,
        empty_label=_("— not at a venue —"),
        queryset=Venue.objects.filter(is_active=True).select_related("region").order_by("region__path", "name"),
    )
    description = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB each: a sign-in sheet, photos, the agreement reached."),
    )

    def clean_submission(self):
        # Anything but a token we could have made is no token: the work is logged, without the guard.
        value = self.cleaned_data["submission"]
        return value if re.fullmatch(r"[A-Za-z0-9_-]{16,43}", value) else ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Down to townships keeps the list short on a phone; a village's venue names the village.
        self.fields["region"].queryset = Region.objects.filter(level__lte=Region.Level.TOWNSHIP).order_by("path")
