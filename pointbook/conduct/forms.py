from django import forms
from django.utils.translation import gettext_lazy as _

from pointbook.models import AdjustmentPolicy


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class AdjustForm(forms.Form):
    points = forms.DecimalField(
        label=_("Points (negative to deduct)"),
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason (shown with the entry)"), max_length=280, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How was the service?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AdjustmentPolicyForm(forms.ModelForm):
    class Meta:
        model = AdjustmentPolicy
        fields = ["second_approval_above"]

    def clean_second_approval_above(self):
        value = self.cleaned_data["second_approval_above"]
        if value < 0:
            raise forms.ValidationError(_("Enter 0 or more."))
        return value
