"""Template filters and tags for figures: money, rates, percentage points and lights."""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.forms import render_options

from ..formats import DASH, format_money, format_percent, format_points

register = template.Library()

LIGHTS = {"green": ("success", "Green"), "yellow": ("warning", "Yellow"), "red": ("danger", "Red")}


@register.filter
def money(value):
    """Format 万元 with thousands separators and two decimals."""
    return format_money(None if value == "" else value)


@register.filter
def ratio(value):
    """Return a rate as a plain number for sorting, or an empty string."""
    return "" if value is None else f"{float(value):.9f}"


@register.filter
def percent(value, places=1):
    """Format a rate as a percentage with one decimal (or ``places``, e.g. ``row.places``)."""
    return format_percent(value, int(places))


@register.filter
def points(value, places=1):
    """Format a difference of rates in percentage points with a sign (``places`` decimals)."""
    return format_points(value, int(places))


@register.filter
def abs_int(value):
    return abs(int(value))


@register.simple_tag
def light(value):
    """Render a red/yellow/green light as a coloured dot with its name."""
    if not value:
        return "—"
    colour, label = LIGHTS[value]
    return format_html(
        '<span class="light light-{}" title="{}">'
        '<i class="bi bi-circle-fill text-{}" aria-hidden="true"></i> {}</span>',
        value,
        _(label),
        colour,
        _(label),
    )


def _cell_content(cell) -> str:
    if cell.kind == "light":
        return light(cell.value)
    text = escape(cell.text)
    if cell.url:
        return f'<a href="{escape(cell.url)}">{text}</a>'
    if cell.kind == "flag" and cell.value:
        return f'<span class="badge text-bg-warning">{escape(cell.badge or _("lagging"))}</span>'
    return text


@register.simple_tag
def table_cells(cells):
    """Render a row's cells, each given with its classes: lights, links and raised flags.

    One tag for the whole row, escaping with the standard library's ``html.escape`` (what
    Django's ``escape`` calls, without its lazy-string wrapper): a dashboard page has hundreds
    of cells.
    """
    return mark_safe(  # noqa: S308 every value above is escaped
        "".join(
            f'<td class="{escape(classes)}">{_cell_content(cell)}</td>' for cell, classes in cells
        )
    )


@register.inclusion_tag("includes/stat_card.html")
def stat_card(label, value, growth):
    """Render a zone figure with its year-on-year growth."""
    return {"label": label, "value": value, "growth": growth}


@register.filter
def score(value):
    """Format a score or points with one decimal."""
    return DASH if value is None else f"{float(value):.1f}"


@register.simple_tag
def select_options(choices, selected):
    """Render ``<option>`` elements for ``choices``, the one whose value is ``selected``'s chosen.

    The HTML of ``{% for value, label in choices %}<option value="{{ value }}"{% if
    value|stringformat:"s" == selected|stringformat:"s" %} selected{% endif %}>{{ label }}
    </option>{% endfor %}`` (nothing chosen for None), written in Python: a department filter
    offers hundreds.
    """
    return render_options(choices, selected)
