"""The pointbook's spreadsheets (django-import-export resources, as in `spreadsheets.resources.people`): historical
service records and yearly targets, imported and exported with the same columns."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pointbook.models import Target
from spreadsheets.resources.people import (
    ChoiceWidget,
    Column,
    DateWidget,
    DecimalWidget,
    EmailWidget,
    IntegerWidget,
    NameWidget,
    SheetResource,
    TextWidget,
    header_key,
)
from volunteers.models import SpecialGroup


class ChoicesWidget(ChoiceWidget):
    """Several choices in one cell, separated by 、 , ; / or spaces. Labels may hold those characters
    themselves (军人军属、退役军人, "Migrant workers"), so the cell is read label by label, the longest
    that fits first, rather than split."""

    SEPARATORS = "、,，;；/"

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        text = header_key(value)  # spaces gone, lower case, as the lookup's keys
        labels = sorted(self._lookup, key=len, reverse=True)
        codes = []
        while text:
            text = text.lstrip(self.SEPARATORS)
            if not text:
                break
            label = next((key for key in labels if text.startswith(key)), None)
            if label is None:
                part = next((text[:i] for i, ch in enumerate(text) if ch in self.SEPARATORS), text)
                super().clean(part)  # raises the widget's own message, naming the part and the choices
            if self._lookup[label] not in codes:
                codes.append(self._lookup[label])
            text = text[len(label) :]
        return codes

    def render(self, value, obj=None, **kwargs):
        return "、".join(super(ChoicesWidget, self).render(code) for code in value or [])


class QuarterHoursWidget(DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        hours = super().clean(value, row=row)
        if hours is not None and (hours <= 0 or hours > 24 or hours % Decimal("0.25")):
            raise ValidationError(_("Enter hours in quarter-hour steps, from 0.25 to 24."))
        return hours


class PercentWidget(IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(str(value).strip().rstrip("%％") if isinstance(value, str) else value, row=row)
        if number is not None and not 0 <= number <= 100:
            raise ValidationError(_("A share is between 0 and 100."))
        return number


class HistoryResource(SheetResource):
    """Service records verified in earlier years (before this site), one per row with its source id."""

    import_ref = Column("import_ref", _("Source id"), TextWidget(80), required=True)
    # Full-width characters read as ordinary ones, so an email typed on a Chinese keyboard finds its person.
    person = Column("person", _("Licence number or email"), EmailWidget(254), required=True)
    legal_name = Column("contributor__legal_name", _("Name (for reading; not imported)"), TextWidget(60))
    service_type = Column("service_type", _("Service type"), TextWidget(120), required=True)
    region = Column("region__code", _("Region code"), TextWidget(12), required=True)
    venue = Column("venue__name", _("Venue"), NameWidget(120))
    date = Column("date", _("Date"), DateWidget(), required=True)
    hours = Column("hours", _("Hours"), QuarterHoursWidget(), required=True)
    people_served = Column("people_served", _("People served"), IntegerWidget())
    special_groups = Column("special_groups", _("Special groups served"), ChoicesWidget(SpecialGroup.choices))
    description = Column("description", _("What was done"), TextWidget(2000))

    key = ("import_ref",)


class TargetResource(SheetResource):
    """A region's targets for a year and the cumulative share expected by each quarter's end."""

    region = Column("region__code", _("Region code"), TextWidget(12), required=True)
    year = Column("year", _("Year"), IntegerWidget(), required=True)
    education_events = Column(
        Target.Metric.EDUCATION_EVENTS.value, Target.Metric.EDUCATION_EVENTS.label, IntegerWidget()
    )
    service_cases = Column(Target.Metric.SERVICE_CASES.value, Target.Metric.SERVICE_CASES.label, IntegerWidget())
    consultations = Column(Target.Metric.CONSULTATIONS.value, Target.Metric.CONSULTATIONS.label, IntegerWidget())
    villages = Column(
        Target.Metric.VILLAGES_WITH_ADVISER.value, Target.Metric.VILLAGES_WITH_ADVISER.label, IntegerWidget()
    )
    q1 = Column("q1_share", _("Expected by end of Q1 (%)"), PercentWidget())
    q2 = Column("q2_share", _("Expected by end of Q2 (%)"), PercentWidget())
    q3 = Column("q3_share", _("Expected by end of Q3 (%)"), PercentWidget())
    q4 = Column("q4_share", _("Expected by end of Q4 (%)"), PercentWidget())

    key = ("region__code", "year")
