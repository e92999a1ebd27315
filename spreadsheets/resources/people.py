"""The spreadsheets staff import and export (django-import-export resources): one column per field,
headed in the reader's language, and widgets that read what people type into Chinese spreadsheets.

A resource declares the columns and how a cell becomes a value (`widget.clean`) and a value a cell
(`widget.render`). `spreadsheets.imports.engine` checks and writes whole files with them in batches (the
library's row-by-row `import_data` manages under 1,000 rows a second here), and exports stream rows
through `Resource.export_resource`. Exported columns are the imported ones, so a file exported and
imported again changes nothing.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from import_export import fields, resources, widgets

from core.text import email_normalise, name_clean
from volunteers.models import Contributor, Organisation, Region, Venue
from volunteers.people.licences import licence_normalise


def header_key(text):
    """A header as it is compared: NFKC (full-width letters), no spaces or required-marks, lower case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", text).lower()


def _in_each_language(label):
    """`label` (lazy) in every language the site speaks, for matching headers and choice labels."""
    seen = []
    for code in ("zh-hans", "en"):
        with translation.override(code):
            seen.append(str(label))
    return seen


class Column(fields.Field):
    """A column: `label` heads it (in the active language), `required` cells may not be empty."""

    def __init__(self, attribute, label, widget=None, *, required=False, help_text="", aliases=()):
        super().__init__(attribute=attribute, column_name=attribute, widget=widget or TextWidget())
        self.label = label
        self.required = required
        self.help_text = help_text
        self.aliases = aliases  # other headers seen on bureaus' own spreadsheets

    def header(self):
        return str(self.label)

    def header_keys(self):
        texts = [*_in_each_language(self.label), self.attribute, *self.aliases]
        return {header_key(text) for text in texts}


class TextWidget(widgets.Widget):
    """Text, stripped; numbers typed into a text column (a phone saved as a number) become their digits."""

    def __init__(self, max_length=None):
        super().__init__()
        self.max_length = max_length

    def normalise(self, text):
        """A non-empty cell's text as it is stored (raises ValidationError when it cannot be)."""
        return text

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        text = self.normalise(text) if text else text
        if self.max_length and len(text) > self.max_length:
            raise ValidationError(_("At most %(n)s characters.") % {"n": self.max_length})
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class NameWidget(TextWidget):
    """A name: normalised and refused as on the site's forms (line breaks, invisible characters)."""

    def normalise(self, text):
        return name_clean(text)


class EmailWidget(TextWidget):
    """An email address, full-width characters read as ordinary ones, the domain in lower case."""

    def normalise(self, text):
        return email_normalise(text)


class LicenceWidget(TextWidget):
    """Licence numbers: full-width digits become ASCII and spaces go, as on the forms."""

    def clean(self, value, row=None, **kwargs):
        return licence_normalise(super().clean(value, row=row))


class ChoiceWidget(widgets.Widget):
    """A choice, written as its label (in either language) or its code."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    @cached_property
    def _lookup(self):
        lookup = {}
        for code, label in self.choices:
            lookup[header_key(code)] = code
            for text in _in_each_language(label):
                lookup[header_key(text)] = code
        return lookup

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return ""
        code = self._lookup.get(header_key(value))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": "、".join(str(label) for _code, label in self.choices)}
            )
        return code

    def render(self, value, obj=None, **kwargs):
        labels = {str(code): label for code, label in self.choices}
        return "" if value in (None, "") else str(labels.get(str(value), value))


class YesNoWidget(widgets.Widget):
    """是/否, yes/no, true/false, 1/0, Y/N, ✓; empty is `default`."""

    YES = {"是", "yes", "y", "true", "1", "✓", "√", "对"}
    NO = {"否", "no", "n", "false", "0", "✗", "×", "不"}

    def __init__(self, default):
        super().__init__()
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return self.default
        if isinstance(value, bool):
            return value
        key = header_key(value)
        if key in self.YES:
            return True
        if key in self.NO:
            return False
        raise ValidationError(_("Write 是 or 否 (yes or no)."))

    def render(self, value, obj=None, **kwargs):
        return str(_("Yes") if value else _("No"))


class DecimalWidget(widgets.Widget):
    def __init__(self, places=2):
        super().__init__()
        self.quantum = Decimal(1).scaleb(-places)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        try:
            number = Decimal(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": value}) from None
        if not number.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": value})
        if number != number.quantize(self.quantum):
            raise ValidationError(_("At most %(n)s decimal places.") % {"n": -self.quantum.as_tuple().exponent})
        return number.quantize(self.quantum)

    def render(self, value, obj=None, **kwargs):
        return value


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        if re.fullmatch(r"\d+(\.0+)?", text):
            return int(Decimal(text))
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return value


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateWidget(widgets.Widget):
    """A date as a spreadsheet date or typed as 2025-03-08, 2025/3/8 or 2025年3月8日."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if _ISO_DATE.fullmatch(text):  # what most files hold: ten times faster than strptime
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass  # 2025-02-30: refused below with the same message
        for pattern in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValidationError(_("“%(value)s” is not a date; write it as 2025-03-08.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return value


class SheetResource(resources.Resource):
    """A resource whose columns are `Column`s: headers in the active language, exports in column order."""

    key = ()  # the columns that find an existing row (natural key)

    def columns(self):
        return [field for field in self.fields.values() if isinstance(field, Column)]

    def get_export_headers(self, selected_fields=None):
        return [column.header() for column in self.columns()]

    def row_values(self, obj):
        """One exported row: each column's widget renders the object's value."""
        return [column.widget.render(self.value_of(obj, column.attribute), obj) for column in self.columns()]

    def value_of(self, obj, attribute):
        value = obj
        for part in attribute.split("__"):
            value = getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
            if value is None:
                return None
        return value


KIND = ("类别", "人员类别", "机构类别", "场所类别")
REGION = ("行政区划代码", "所属区划代码")


class OrganisationResource(SheetResource):
    name = Column("name", _("Name"), NameWidget(120), required=True, aliases=("机构名称", "单位名称"))
    kind = Column("kind", _("Kind"), ChoiceWidget(Organisation.Kind.choices), required=True, aliases=KIND)
    licence_number = Column(
        "licence_number",
        _("Licence number"),
        LicenceWidget(30),
        required=True,
        aliases=("执业许可证号码", "统一社会信用代码"),
    )
    region = Column("region__code", _("Region code"), TextWidget(12), required=True, aliases=REGION)
    address = Column("address", _("Address"), TextWidget(200), aliases=("地址", "住所"))
    phone = Column("phone", _("Phone"), TextWidget(30), aliases=("电话", "联系电话"))
    good_standing = Column("good_standing", _("In good standing"), YesNoWidget(True))

    key = ("licence_number",)

    class Meta:
        model = Organisation


class ContributorResource(SheetResource):
    legal_name = Column("legal_name", pgettext_lazy("person", "Name"), NameWidget(60), required=True)
    kind = Column("kind", _("Kind"), ChoiceWidget(Contributor.Kind.choices), required=True, aliases=KIND)
    licence_number = Column(
        "licence_number",
        _("Practice licence number"),
        LicenceWidget(30),
        aliases=("Licence number", "执业证号码", "律师执业证号", "执业证书编号"),
    )
    organisation = Column(
        "organisation_licence",
        _("Organisation licence number"),
        LicenceWidget(30),
        aliases=("所属机构执业证号", "执业机构许可证号", "所在律所执业许可证号"),
    )
    phone = Column("phone", _("Mobile phone"), TextWidget(30), required=True, aliases=("手机", "手机号", "联系电话"))
    email = Column("user__email", _("Email"), EmailWidget(254), required=True, aliases=("邮箱", "电子邮件", "e-mail"))
    region = Column("region__code", _("Region code"), TextWidget(12), required=True, aliases=REGION)

    key = ("licence_number", "user__email")

    class Meta:
        model = Contributor


class RegionResource(SheetResource):
    code = Column("code", _("Region code"), TextWidget(12), required=True)
    name = Column("name", _("Name"), NameWidget(100), required=True)
    parent = Column("parent_code", _("Parent region code"), TextWidget(12))
    level = Column("level", _("Level"), ChoiceWidget([(str(v), label) for v, label in Region.Level.choices]))

    key = ("code",)

    class Meta:
        model = Region


class VenueResource(SheetResource):
    name = Column("name", _("Name"), NameWidget(120), required=True)
    kind = Column("kind", _("Kind"), ChoiceWidget(Venue.Kind.choices), required=True, aliases=KIND)
    region = Column("region__code", _("Region code"), TextWidget(12), required=True, aliases=REGION)
    address = Column("address", _("Address"), TextWidget(200), aliases=("地址",))
    is_rural = Column("is_rural", _("Rural or remote"), YesNoWidget(False), aliases=("农村或偏远", "农村"))
    is_active = Column("is_active", _("In use"), YesNoWidget(True))

    key = ("region__code", "name")

    class Meta:
        model = Venue
