"""The list page every app's record lists build on: filters, totals, pages and the .xlsx.

A list declares its columns once (``ListColumn``): the screen and the export show the same.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.exports import Column, wants_xlsx, xlsx_response
from core.periods import DefaultPeriod, default_year
from core.scoping import scope_queryset

PAGE_SIZE = 50


YEARS = (2000, 2100)


# Filters on a foreign key typed in as an id: kept as hidden inputs, shown as a badge.
ID_FILTERS = ("enterprise", "matchmaking", "occupant", "project")


@dataclass(frozen=True)
class ListColumn(Column):
    """A column of a zone list: the export's header and value, plus how the screen shows it.

    ``link`` gives a row's URL for the cell; ``flag`` is the badge colour of a true value (a
    false one shows nothing); ``numeric`` right-aligns the cell.
    """

    link: Callable[[Any], str | None] | None = None
    flag: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    """One cell of the table as the template shows it."""

    text: str
    url: str | None = None
    badge: str = ""
    numeric: bool = False


def display(value: Any) -> str:
    """Return a value as the screen shows it: money with separators, ISO dates, — for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return force_str(value)


def cells(columns: list[ListColumn], row: Any) -> list[Cell]:
    """Return a row's cells, read through the same columns as the export."""
    result = []
    for column in columns:
        value = column.value(row)
        if column.flag:
            result.append(Cell(gettext("Yes") if value else "", badge=column.flag if value else ""))
            continue
        url = column.link(row) if column.link and value not in (None, "") else None
        result.append(Cell(display(value), url=url, numeric=column.numeric))
    return result


def current_year() -> int:
    """Return this year in the zone's time zone (Asia/Shanghai)."""
    return timezone.localdate().year


def query_without(request, *names_: str) -> str:
    """Return the request's query string without the given parameters."""
    query = request.GET.copy()
    for name in names_:
        query.pop(name, None)
    return query.urlencode()


def style_form(form: forms.Form) -> None:
    """Give the filter form's widgets Bootstrap's small controls."""
    for name, field in form.fields.items():
        widget = field.widget
        css = (
            "form-select form-select-sm"
            if isinstance(widget, forms.Select)
            else ("form-control form-control-sm")
        )
        if form.errors.get(name):
            css += " is-invalid"
        widget.attrs["class"] = css
        if name in ("year", "year_built"):
            widget.attrs.update({"min": YEARS[0], "max": YEARS[1]})


class ObjectListView(PermissionRequiredMixin, View):
    """A list page: filters, totals, a page of rows and the .xlsx of all of them (core/list.html).

    With ``year_page`` the list is a year's: ``?year=`` defaults to the latest year up to the
    current one (Asia/Shanghai) with a row the user sees, read from ``year_field`` (a year or a
    date), else the current year; a year outside 2000–2100 falls back to it with a message.
    """

    title: Any = ""
    description: Any = ""
    filename = "list"
    template_name = "core/list.html"
    filterset_class: type
    columns: list[ListColumn] = []
    year_page = True
    year_field = "year"
    empty_text = _("No record matches.")

    def get_queryset(self):
        """Return the list's rows: each app's list names its selector here (as Django's ListView
        asks for a queryset, a list that names none is a configuration error)."""
        raise ImproperlyConfigured(f"{type(self).__name__} must say which rows it lists.")

    def get_totals(self, queryset) -> dict:
        return {}

    def get_context(self, request, *, year: int | None, queryset) -> dict:
        return {}

    def filter_data(self, request, queryset) -> tuple[Any, int | None, str, DefaultPeriod | None]:
        data = request.GET.copy()
        data.pop("format", None)
        data.pop("page", None)
        if not self.year_page:
            return data, None, "", None
        raw = data.get("year", "").strip()
        error = ""
        chosen = None
        if not raw:
            chosen = default_year(queryset, self.year_field, current=current_year())
            year = chosen.value
        elif raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]:
            year = int(raw)
        else:
            year = default_year(queryset, self.year_field, current=current_year()).value
            error = gettext(
                "The year is a number from %(first)s to %(last)s; showing %(year)s."
            ) % {
                "first": YEARS[0],
                "last": YEARS[1],
                "year": year,
            }
        data["year"] = str(year)
        return data, year, error, chosen

    def get(self, request):
        queryset = scope_queryset(self.get_queryset(), request.user)
        data, year, year_error, default = self.filter_data(request, queryset)
        filterset = self.filterset_class(data, queryset=queryset, request=request)
        rows = filterset.qs
        invalid = bool(filterset.errors) or bool(year_error)
        if wants_xlsx(request) and not invalid:
            suffix = f"-{year}" if year else ""
            return xlsx_response(
                title=force_str(self.title),
                filename=f"{self.filename}{suffix}",
                columns=self.columns,
                rows=rows.iterator(chunk_size=2000),
            )
        style_form(filterset.form)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        visible = [f for f in filterset.form if f.name not in ID_FILTERS]
        chosen = getattr(filterset.form, "cleaned_data", {})
        hidden = [
            (field, chosen.get(field.name) or field.value())
            for field in filterset.form
            if field.name in ID_FILTERS and field.value()
        ]
        context = {
            "title": self.title,
            "description": self.description,
            "year": year,
            "default_period": default,
            "form": filterset.form,
            "visible_fields": visible,
            "hidden_fields": hidden,
            "errors": [year_error] if year_error else [],
            "columns": self.columns,
            "page": page,
            "rows": [cells(self.columns, row) for row in page],
            "totals": self.get_totals(rows),
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "page", "format"),
            "empty_text": self.empty_text,
            **self.get_context(request, year=year, queryset=rows),
        }
        status = 400 if wants_xlsx(request) and invalid else 200
        return render(request, self.template_name, context, status=status)
