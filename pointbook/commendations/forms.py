from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import NameFormField
from pointbook.models import AwardCategory


class AwardCategoryForm(forms.ModelForm):
    """A year's award: how nominees are drafted and who is eligible."""

    class Meta:
        model = AwardCategory
        fields = [
            "year",
            "region",
            "name_zh",
            "name_en",
            "basis",
            "top_n",
            "min_points",
            "min_stars",
            "no_upheld_complaint",
            "profile_verified",
            "firm_in_good_standing",
            "notice_working_days",
        ]
        help_texts = {
            "top_n": _("For the 'top N' kinds: how many per district, overall or of the organisations."),
            "min_points": _("For 'points at or above a threshold'."),
            "min_stars": _("For 'star level at or above' (1 star: 100 verified hours … 5 stars: 1,500)."),
            "notice_working_days": _("At least 5 working days; weekends and public holidays don't count."),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        from volunteers.models import Region

        self.fields["region"].queryset = scope.subtree().filter(level__lte=Region.Level.DISTRICT).order_by("path")
        self.fields["region"].initial = scope.pk

    def clean_year(self):
        from django.utils import timezone

        year = self.cleaned_data["year"]
        if not 2000 <= year <= timezone.localdate().year + 1:
            raise forms.ValidationError(_("Choose a year from 2000 to next year."))
        return year


class NomineeAddForm(forms.Form):
    who = forms.CharField(label=_("Practice licence number or mobile (organisations: licence number)"), max_length=40)
    reason = forms.CharField(label=_("Why they are added"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("Reason for setting the award's rules aside"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only for someone who does not meet the award's rules: you are told which ones. Kept with the "
            "nominee and in the audit log; never shown on the public notice."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    # Chosen with the "Object" link of a nominee's row (a list can run to thousands); empty: the whole list.
    nomination = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say what is wrong and how you know. Objections are read by bureau staff."),
    )
    name = NameFormField(label=_("Your name (optional)"), max_length=60, required=False)
    contact = forms.CharField(
        label=_("Phone or email, if you want an answer (optional)"), max_length=100, required=False
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("dismiss", _("Dismiss: the nominee stays")), ("uphold", _("Uphold: remove the nominee"))],
    )
    resolution = forms.CharField(
        label=_("Answer (kept with the objection)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
