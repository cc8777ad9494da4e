"""Views of the monthly bulletin (月通报): the list of closed months, the page and its files."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.exports import DOCX, PDF, XLSX, attachment
from core.periods import parse_period

from .content import (
    MonthNotClosed,
    export_filenames,
    get_bulletin,
    list_bulletin_months,
    month_label,
)
from .files import bulletin_file
from .tables import page_context


def _refuse(request, message):
    return render(request, "hengkou/bulletin_unavailable.html", {"message": message}, status=404)


def _with_bulletin(view):
    """Give the view the bulletin of the month in the URL, or refuse with a friendly 404."""

    @functools.wraps(view)
    @login_required
    @require_safe
    def wrapper(request, period):
        try:
            day = parse_period(period)
        except (ValidationError, ValueError):
            # ValueError: a well-formed but impossible year such as 0000.
            return _refuse(
                request,
                _('"%(period)s" is not a month. A month is written YYYY-MM, for example 2021-11.')
                % {"period": period},
            )
        try:
            bulletin = get_bulletin(period=day, now=timezone.now())
        except MonthNotClosed:
            return _refuse(
                request,
                _(
                    "%(month)s is not closed yet, so it has no bulletin. The bulletin is "
                    "produced when the month is closed."
                )
                % {"month": month_label(day)},
            )
        return view(request, bulletin)

    return wrapper


def _attachment(content: bytes, *, content_type: str, bulletin, extension: str) -> HttpResponse:
    name, fallback = export_filenames(bulletin, extension)
    return attachment(content, content_type, name=name, fallback=fallback)


@login_required
@require_safe
def bulletin_index(request):
    """List the closed months, newest first, with their page and files."""
    return render(request, "hengkou/bulletin_index.html", {"months": list_bulletin_months()})


@_with_bulletin
def bulletin_detail(request, bulletin):
    """Show a closed month's bulletin, printable."""
    return render(request, "hengkou/bulletin_detail.html", page_context(bulletin))


@_with_bulletin
def bulletin_xlsx(request, bulletin):
    """Download a closed month's bulletin as an Excel workbook (rendered once, then kept)."""
    return _attachment(
        bulletin_file(bulletin, "xlsx"), content_type=XLSX, bulletin=bulletin, extension="xlsx"
    )


@_with_bulletin
def bulletin_docx(request, bulletin):
    """Download a closed month's bulletin as a Word document (rendered once, then kept)."""
    return _attachment(
        bulletin_file(bulletin, "docx"), content_type=DOCX, bulletin=bulletin, extension="docx"
    )


@_with_bulletin
def bulletin_pdf(request, bulletin):
    """Download a closed month's bulletin as a PDF official document (公文), rendered once."""
    return _attachment(
        bulletin_file(bulletin, "pdf"), content_type=PDF, bulletin=bulletin, extension="pdf"
    )
