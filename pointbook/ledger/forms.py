from django import forms
from django.utils.translation import gettext_lazy as _

from pointbook.models import ConductRule, PointsRule
from volunteers.models import ServiceType


class DateInput(forms.DateInput):
    input_type = "date"


class PointsRuleForm(forms.ModelForm):
    """A new version of a service type's rule, in force from a date (the old versions stay)."""

    class Meta:
        model = PointsRule
        fields = [
            "effective_from",
            "points_per_hour",
            "rural_multiplier",
            "special_group_multiplier",
            "night_holiday_multiplier",
            "daily_cap",
            "yearly_cap",
            "note",
        ]
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
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.order_by("sort_order", "code")
    )
    from_date = forms.DateField(
        label=_("Records from"),
        widget=DateInput(),
        help_text=_(
            "Usually the date the new rule version is in force from. The whole calendar year is checked, as "
            "yearly caps count it."
        ),
    )
