from django import forms
from django.utils.translation import gettext_lazy as _

from pointbook.models import Reward, RewardsPolicy
from volunteers.models import Contributor, Region, Venue


class RewardForm(forms.ModelForm):
    contributor_kinds = forms.MultipleChoiceField(
        label=_("Open to"),
        choices=Contributor.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind of contributor."),
    )

    class Meta:
        model = Reward
        fields = [
            "kind",
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "region",
            "cost",
            "stock",
            "per_person_per_year",
            "venue",
            "needs_approval",
            "contributor_kinds",
            "min_stars",
            "min_year_hours",
            "good_standing",
            "valid_from",
            "valid_until",
            "is_published",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, scope: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(path__startswith=scope.path).order_by("path")
        self.fields["region"].initial = self.fields["region"].initial or scope.pk
        self.fields["venue"].queryset = Venue.objects.filter(region__path__startswith=scope.path).order_by("name")
        self.fields["min_stars"].widget = forms.NumberInput(attrs={"min": 0, "max": 5})
        self.fields["cost"].widget.attrs["min"] = 0

    def clean(self):
        data = super().clean()
        if data.get("kind") == Reward.Kind.POLICY:  # policy support has no stock and no counter
            data["stock"], data["venue"], data["per_person_per_year"] = None, None, data.get("per_person_per_year")
            data["needs_approval"] = True
        return data

    def clean_min_stars(self):
        stars = self.cleaned_data["min_stars"]
        if stars > 5:
            raise forms.ValidationError(_("Star levels go from 0 to 5."))
        return stars


class RewardsPolicyForm(forms.ModelForm):
    class Meta:
        model = RewardsPolicy
        fields = ["expiry", "expiry_years", "bonus_spendable", "adjustment_spendable", "pickup_days"]

    def clean_expiry_years(self):
        years = self.cleaned_data["expiry_years"]
        if not years or years > 20:
            raise forms.ValidationError(_("Between 1 and 20 years."))
        return years

    def clean_pickup_days(self):
        days = self.cleaned_data["pickup_days"]
        if not days or days > 365:
            raise forms.ValidationError(_("Between 1 and 365 days."))
        return days


class PickupForm(forms.Form):
    code = forms.CharField(label=_("Pick-up code"), max_length=20)


class DecideForm(forms.Form):
    reason = forms.CharField(label=_("Reason (required to refuse)"), max_length=300, required=False)
