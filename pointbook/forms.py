from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.models import ServiceType

from .models import AwardCategory, ConductRule, PointsRule


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class AdjustForm(forms.Form):
    points = forms.DecimalField(label=_("Points (negative to deduct)"), max_digits=8, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    reason = forms.CharField(label=_("Reason (shown with the entry)"), max_length=280,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DateInput(forms.DateInput):
    input_type = "date"


class PointsRuleForm(forms.ModelForm):
    """A new version of a service type's rule, in force from a date (the old versions stay)."""

    class Meta:
        model = PointsRule
        fields = ["effective_from", "points_per_hour", "rural_multiplier", "special_group_multiplier",
                  "night_holiday_multiplier", "daily_cap", "yearly_cap", "note"]
        widgets = {"effective_from": DateInput()}

    def clean(self):
        cleaned = super().clean()
        for name in ("rural_multiplier", "special_group_multiplier", "night_holiday_multiplier"):
            if cleaned.get(name) is not None and cleaned[name] < 1:
                self.add_error(name, _("A multiplier is 1 or more."))
        if cleaned.get("points_per_hour") is not None and cleaned["points_per_hour"] <= 0:
            self.add_error("points_per_hour", _("More than 0."))
        for name in ("daily_cap", "yearly_cap"):
            if cleaned.get(name) is not None and cleaned[name] <= 0:
                self.add_error(name, _("Leave empty for no cap, or more than 0."))
        return cleaned


class ConductRuleForm(forms.ModelForm):
    class Meta:
        model = ConductRule
        fields = ["event", "effective_from", "fixed_points", "times_points", "note"]
        widgets = {"effective_from": DateInput()}

    def clean(self):
        cleaned = super().clean()
        fixed, times, event = cleaned.get("fixed_points"), cleaned.get("times_points"), cleaned.get("event")
        if fixed is not None and times is not None:
            if not fixed and not times:
                raise forms.ValidationError(_("Give fixed points, a multiple, or both."))
            penalty = event != ConductRule.Event.GOOD_RATING
            if (penalty and (fixed > 0 or times > 0)) or (not penalty and (fixed < 0 or times < 0)):
                raise forms.ValidationError(_("Penalties are negative and the rating bonus positive."))
        return cleaned


class RescoreForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.order_by("sort_order", "code"))
    from_date = forms.DateField(label=_("Records from"), widget=DateInput(), help_text=_(
        "Usually the date the new rule version is in force from. The whole calendar year is checked, as "
        "yearly caps count it."))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("How was the service?"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")])
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AwardCategoryForm(forms.ModelForm):
    """A year's award: how nominees are drafted and who is eligible."""

    class Meta:
        model = AwardCategory
        fields = ["year", "region", "name_zh", "name_en", "basis", "top_n", "min_points", "min_stars",
                  "no_upheld_complaint", "profile_verified", "firm_in_good_standing", "notice_working_days"]
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
    who = forms.CharField(label=_("Practice licence number or mobile (organisations: licence number)"),
                          max_length=40)
    reason = forms.CharField(label=_("Why they are added"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    # Chosen with the "Object" link of a nominee's row (a list can run to thousands); empty: the whole list.
    nomination = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(label=_("Your objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Say what is wrong and how you know. Objections are read by bureau staff."))
    name = forms.CharField(label=_("Your name (optional)"), max_length=60, required=False)
    contact = forms.CharField(label=_("Phone or email, if you want an answer (optional)"), max_length=100,
                              required=False)



class ResolveForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("dismiss", _("Dismiss: the nominee stays")), ("uphold", _("Uphold: remove the nominee"))])
    resolution = forms.CharField(label=_("Answer (kept with the objection)"), max_length=500,
                                 widget=forms.Textarea(attrs={"rows": 2}))
