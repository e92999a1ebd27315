from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import NameFormField
from volunteers.models import Contributor

RANGE = "range"


class HoursRequestForm(forms.Form):
    """A year (this one up to today) or a date range; the identity document when the profile lacks it
    (or to replace it)."""

    year = forms.ChoiceField(label=_("Period"))
    starts_on = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=pgettext_lazy("date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    id_type = forms.ChoiceField(
        label=_("Identity document"), choices=[("", "—")] + Contributor.IdType.choices, required=False
    )
    id_number = forms.CharField(label=_("Document number"), max_length=40, required=False)

    def __init__(self, *args, contributor, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            (str(this_year - 1), str(this_year - 1)),
            (str(this_year), _("%(year)s (up to today)") % {"year": this_year}),
            *[(str(y), str(y)) for y in range(this_year - 2, this_year - 6, -1)],
            (RANGE, _("Dates of my choice")),
        ]
        self.has_identity = bool(contributor.id_type and contributor.id_number)
        if self.has_identity:
            self.fields["id_type"].initial = contributor.id_type
            self.fields["id_number"].help_text = _("On your profile. Type it only to replace it.")
        else:
            self.fields["id_type"].required = self.fields["id_number"].required = True
            self.fields["id_number"].help_text = _("Printed masked on the certificate, e.g. 4101**********1234.")

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year == RANGE:
            for name in ("starts_on", "ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Give both dates of the period."))
        elif year:
            today = timezone.localdate()
            data["starts_on"] = date(int(year), 1, 1)
            data["ends_on"] = min(date(int(year), 12, 31), today)
        if data.get("id_number") and not data.get("id_type"):
            self.add_error("id_type", _("Choose the type of identity document."))
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300)


class SettingsForm(forms.Form):
    bureau_name = NameFormField(label=_("Issuing bureau"), max_length=120)
    person_in_charge = NameFormField(label=_("Person in charge (负责人)"), max_length=60)
    handling_officer = NameFormField(
        label=_("Handling officer for automatic issue (经办人)"),
        max_length=60,
        required=False,
        help_text=_("A staff sign-off prints the name of the member of staff who signs."),
    )
    contact = forms.CharField(label=_("Contact"), max_length=120, help_text=_("A telephone number or an address."))
    seal = forms.FileField(
        label=_("Seal image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text=_(
            "A PNG or JPEG of the seal, up to 1 MB, about square, 100 to 2000 pixels a side. Keep the old one: leave empty."
        ),
    )
    auto_issue = forms.BooleanField(
        label=_("Issue automatically"),
        required=False,
        help_text=_("On: a request is issued at once from the verified records. Off: a member of staff signs it off."),
    )
