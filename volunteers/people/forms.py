import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import EmailFormField, NameFormField
from volunteers.models import Contributor, Organisation, Region, ServiceType, Venue

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
    legal_name = NameFormField(label=_("Legal name"), max_length=60)
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
        label=_("Show my name on public lists"),
        required=False,
        initial=True,
        help_text=_("Standings and the honour roll show only your family name when this is off."),
    )

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


class ContributorStaffForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Contributor.Kind.choices)
    legal_name = NameFormField(label=_("Legal name"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    licence_number = forms.CharField(label=_("Practice licence number"), max_length=40, required=False)
    licensed_on = forms.DateField(
        label=_("In practice since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The licence date in the register; rotas can ask for years in practice."),
    )
    verified = forms.BooleanField(
        label=_("Profile verified against the licence register"),
        required=False,
        help_text=_("Annual commendations can require a verified profile."),
    )

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
        self.fields["region"] = RegionChoiceField(label=_("Region"), queryset=scope.subtree().order_by("path"))

    def validate_unique(self):
        # The services check uniqueness with messages written for people (and the database
        # backs them); Django's generic "already exists" would pre-empt them.
        pass


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "region", "licence_number", "address", "phone", "good_standing"]
        help_texts = {
            "good_standing": _(
                "Untick while the organisation is under a disciplinary sanction or "
                "otherwise not in good standing: awards that require it then pass over "
                "its members."
            )
        }


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
    name = NameFormField(label=_("Name"), max_length=100)


class AdminAddForm(forms.Form):
    email = EmailFormField(label=_("Email of the new administrator"))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class JoinForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Ask to join an organisation"),
        queryset=Organisation.objects.select_related("region").order_by("name"),
    )


# --- Rota ------------------------------------------------------------------------------------------


def form_errors_text(form):
    """A form's errors as one line, for a message after a redirect."""
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
        for f, e in form.errors.items()
    )
