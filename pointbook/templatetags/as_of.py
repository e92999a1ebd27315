"""`{{ when|as_of }}`: the moment a ranking's or a report's figures were counted, in the active time zone."""

from django import template

from pointbook.standings.as_of import as_of_text

register = template.Library()


@register.filter
def as_of(when):
    return as_of_text(when)
