"""Pages of the Excel import: templates, upload → check and preview → confirm → written.

The uploaded file waits between the preview and the confirmation under
``MEDIA_ROOT/imports/<uuid>.xlsx``; the browser only ever sends back the uuid, which must be one
this session uploaded for this kind. The file is deleted once imported or refused, and stale
ones (abandoned previews) after a day.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exports import XLSX, attachment

from .imports.engine import run_import
from .imports.formats import ImportFileError
from .imports.kinds import all_kinds, get_kind
from .imports.templates import render_template, template_filename

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
STALE_SECONDS = 24 * 3600
SESSION_KEY = "imports_pending"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        help_text=gettext_lazy("An Excel workbook laid out as the template."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pending_path(token: str) -> Path:
    return _folder() / f"{uuid.UUID(token).hex}.xlsx"


def _remove_stale() -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in _folder().glob("*.xlsx"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _kind_or_404(request, key: str):
    kind = get_kind(key)
    if kind is None:
        raise Http404(_("No such kind of import."))
    if not kind.may_import(request.user):
        raise PermissionDenied
    return kind


@login_required
def index(request):
    """List the kinds of rows the user may import, each with its template."""
    kinds = [kind for kind in all_kinds() if kind.may_import(request.user)]
    if not kinds:
        raise PermissionDenied
    return render(request, "imports/index.html", {"kinds": kinds})


@login_required
def template(request, kind):
    """Download the kind's .xlsx template (headers, dropdowns, the notes with an example)."""
    spec = _kind_or_404(request, kind)
    name = template_filename(spec)
    return attachment(
        render_template(spec), XLSX, name=f"{name}.xlsx", fallback=f"{spec.key}-template.xlsx"
    )


@login_required
def upload(request, kind):
    """Check an uploaded workbook and show every error, or a preview to confirm."""
    spec = _kind_or_404(request, kind)
    context = {"kind": spec}
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            _remove_stale()
            token = uuid.uuid4().hex
            path = _pending_path(token)
            with open(path, "wb") as out:
                for chunk in form.cleaned_data["file"].chunks():
                    out.write(chunk)
            result = _check(request, spec, path, context)
            if result is not None and result.ok and (result.created or result.updated):
                pending = request.session.get(SESSION_KEY, {})
                pending[token] = spec.key
                request.session[SESSION_KEY] = pending
                context["token"] = token
            else:
                _discard(path)
            context["result"] = result
    else:
        form = UploadForm()
    context["form"] = form
    return render(request, "imports/upload.html", context)


def _check(request, spec, path, context):
    try:
        return run_import(kind=spec, source=str(path), user=request.user, dry_run=True)
    except ImportFileError as error:
        context["file_error"] = str(error)
        return None


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


@login_required
@require_POST
def confirm(request, kind):
    """Import the previewed workbook: all of it, or nothing with every error listed."""
    spec = _kind_or_404(request, kind)
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    try:
        path = _pending_path(token)
    except ValueError:
        path = None
    if path is None or pending.get(uuid.UUID(token).hex) != spec.key or not path.exists():
        messages.error(request, _("This upload has expired: upload the file again."))
        return redirect("imports:upload", kind=spec.key)
    pending.pop(uuid.UUID(token).hex, None)
    request.session[SESSION_KEY] = pending
    context = {"kind": spec, "form": UploadForm()}
    try:
        result = run_import(kind=spec, source=str(path), user=request.user)
    except ImportFileError as error:
        context["file_error"] = str(error)
        return render(request, "imports/upload.html", context)
    finally:
        _discard(path)
    if not result.written:
        context["result"] = result
        return render(request, "imports/upload.html", context)
    messages.success(
        request,
        _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("imports:index")
