"""Template filters and tags for figures: money, rates, percentage points and lights."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

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
    if cell.url:
        return format_html('<a href="{}">{}</a>', cell.url, cell.text)
    if cell.kind == "flag" and cell.value:
        return format_html('<span class="badge text-bg-warning">{}</span>', _("lagging"))
    return cell.text


@register.simple_tag
def table_cells(cells):
    """Render a row's cells, each given with its classes: lights, links and raised flags.

    One tag for the whole row: a dashboard page has hundreds of cells.
    """
    return format_html_join(
        "", '<td class="{}">{}</td>', ((classes, _cell_content(cell)) for cell, classes in cells)
    )


@register.inclusion_tag("includes/stat_card.html")
def stat_card(label, value, growth):
    """Render a zone figure with its year-on-year growth."""
    return {"label": label, "value": value, "growth": growth}


@register.filter
def score(value):
    """Format a score or points with one decimal."""
    return DASH if value is None else f"{float(value):.1f}"
