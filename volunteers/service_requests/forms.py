import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models import Contributor, Region, ServiceRequest, ServiceType, SpecialGroup
from volunteers.people.forms import RegionChoiceField
from volunteers.records.forms import MultipleFileField, new_submission_token

STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class _Submission(forms.Form):
    submission = forms.CharField(required=False, max_length=43, widget=forms.HiddenInput, initial=new_submission_token)

    def clean_submission(self):
        value = self.cleaned_data["submission"]
        return value if re.fullmatch(r"[A-Za-z0-9_-]{16,43}", value) else ""


class RequestForm(_Submission):
    """Who needs help and what about: the public form (short, phone-friendly) and the staff form."""

    name = forms.CharField(label=_("Your name"), max_length=60)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only bureau staff and the person who helps you see it."),
    )
    region = RegionChoiceField(label=_("Where you live (village or community)"), queryset=Region.objects.none())
    service_type = forms.ModelChoiceField(label=_("What kind of help"), queryset=ServiceType.objects.none())
    description = forms.CharField(
        label=_("What is it about"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=ServiceRequest.Urgency.choices, initial=ServiceRequest.Urgency.NORMAL
    )
    special_groups = forms.MultipleChoiceField(
        label=_("Does any of these apply?"),
        choices=SpecialGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("path")
        self.fields["service_type"].queryset = ServiceType.objects.filter(is_active=True)
        if staff:
            self.fields["name"].label = _("Name of the person who needs help")
            self.fields["region"].label = _("Where they live (village or community)")
            self.fields["phone"].help_text = ""
            self.fields["channel"] = forms.ChoiceField(
                label=_("Registered through"),
                choices=[c for c in ServiceRequest.Channel.choices if c[0] != ServiceRequest.Channel.PUBLIC],
            )


class FollowForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=20)
    phone_last4 = forms.CharField(
        label=_("Last 4 digits of the phone number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you decline"), max_length=300)


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(_Submission):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
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
    self_score = forms.TypedChoiceField(
        label=_("Your own evaluation of the service"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    files = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB each: a sign-in sheet, photos, the agreement reached."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Review score"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TermsForm(forms.Form):
    accept_hours = forms.IntegerField(label=_("Accept within (hours)"), min_value=1, max_value=720)
    finish_days = forms.IntegerField(label=_("Finish within (days)"), min_value=1, max_value=365)
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Who may take these requests"),
        choices=Contributor.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: anyone with a completed profile."),
    )


class PolicyForm(forms.Form):
    escalate_hours = forms.IntegerField(
        label=_("Hours a request may wait unaccepted before it escalates"), min_value=1, max_value=720
    )
