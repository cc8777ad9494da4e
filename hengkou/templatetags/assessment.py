"""The assessment table's part cells, rendered in one tag per row."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from ..formats import format_percent
from .hengkou import score

register = template.Library()


@register.simple_tag
def assessment_part_cells(parts, not_applicable):
    """Render each part's rate cell (its numerator/denominator as the title) and points cell.

    One tag for a row's ten cells, escaping with ``html.escape`` as ``table_cells`` does: the
    page lists every sponsoring department (hundreds at city scale), and the template language
    resolving each cell's variables one by one was most of its time.
    """
    cells = []
    for part in parts:
        title = (
            f' title="{part.numerator}/{part.denominator}"' if part.denominator is not None else ""
        )
        cells.append(f'<td class="text-end"{title}>{escape(format_percent(part.ratio))}</td>')
        points = (
            f"{score(part.points)}/{score(part.weight)}"
            if part.applies
            else escape(str(not_applicable))
        )
        cells.append(f'<td class="text-end text-body-secondary">{points}</td>')
    return mark_safe("".join(cells))  # noqa: S308 every value above is escaped or a number
