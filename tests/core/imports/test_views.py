"""The import pages (upload → preview → confirm), the navigation and the import_xlsx command."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import MonthlyReport, Target
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import AssignmentFactory, EnterpriseFactory, UserFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def upload(client, kind, content, name="figures.xlsx"):
    return client.post(
        reverse("imports:upload", args=[kind]),
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


def test_the_page_needs_an_add_or_change_permission(client):
    client.force_login(user_with_role("official", official=True))
    assert client.get(reverse("imports:index")).status_code == 403
    assert client.get(reverse("imports:upload", args=["targets"])).status_code == 403
    client.force_login(user_with_role("department_user", official=True))
    assert client.get(reverse("imports:upload", args=["targets"])).status_code == 403
    assert client.get(reverse("imports:upload", args=["monthly_reports"])).status_code == 200
    page = client.get(reverse("imports:index")).content.decode()
    assert "monthly_reports" in page and "/imports/targets/" not in page


def test_upload_preview_then_confirm_writes_and_cleans_up(client, media):
    assignment = AssignmentFactory()
    clerk = user_with_role("department_user", official=assignment.responsible)
    client.force_login(clerk)
    content = xlsx([MONTHLY_HEADER, monthly_row(assignment.enterprise.credit_code)])
    preview = upload(client, "monthly_reports", content)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="import-preview"' in page and 'id="import-confirm"' in page
    assert MonthlyReport.objects.count() == 0
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    assert list((media / "imports").glob("*.xlsx"))
    done = client.post(reverse("imports:confirm", args=["monthly_reports"]), {"token": token})
    assert done.status_code == 302
    report = MonthlyReport.objects.get()
    assert report.output_value == Decimal("100.00")
    assert report.history.get().history_user == clerk
    assert not list((media / "imports").glob("*.xlsx"))
    again = client.post(reverse("imports:confirm", args=["monthly_reports"]), {"token": token})
    assert again.status_code == 302  # used up: back to the upload page
    assert MonthlyReport.objects.count() == 1


def test_a_forged_token_reaches_no_file(client, media):
    client.force_login(UserFactory(is_superuser=True))
    for token in ("../../etc/passwd", "0" * 32, ""):
        response = client.post(
            reverse("imports:confirm", args=["monthly_reports"]), {"token": token}
        )
        assert response.status_code == 302
    assert MonthlyReport.objects.count() == 0


def test_bad_rows_are_listed_on_the_page_and_nothing_is_kept(client, media):
    client.force_login(UserFactory(is_superuser=True))
    content = xlsx([MONTHLY_HEADER, monthly_row("91610900MA00000000"), monthly_row("", "x")])
    page = upload(client, "monthly_reports", content).content.decode()
    assert 'id="import-errors"' in page
    assert '<th scope="col">原因</th>' in page  # a validation failure's reason, not 诉求
    assert "91610900MA00000000" in page
    assert 'id="import-confirm"' not in page
    assert not list((media / "imports").glob("*.xlsx"))


def test_a_file_that_is_not_xlsx_gets_a_clear_message(client):
    client.force_login(UserFactory(is_superuser=True))
    response = upload(client, "monthly_reports", b"a,b\n1,2\n", name="figures.csv")
    assert response.status_code == 200
    assert 'id="import-file-error"' in response.content.decode()


def test_the_command_dry_run_writes_nothing_and_the_real_run_writes(tmp_path):
    enterprise = EnterpriseFactory()
    path = tmp_path / "targets.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["年度", "统一社会信用代码", "指标", "目标值"],
                [2021, enterprise.credit_code, "营业收入", 900],
            ]
        )
    )
    out = io.StringIO()
    call_command("import_xlsx", "targets", str(path), "--dry-run", stdout=out)
    assert "1 to create" in out.getvalue()
    assert Target.objects.count() == 0
    call_command("import_xlsx", "targets", str(path), stdout=io.StringIO())
    assert Target.objects.get().value == Decimal("900")


def test_the_command_reports_bad_rows_and_fails(tmp_path):
    path = tmp_path / "targets.xlsx"
    path.write_bytes(
        xlsx([["年度", "统一社会信用代码", "指标", "目标值"], [1999, "X", "营业收入", 1]])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_xlsx", "targets", str(path), stderr=err, stdout=io.StringIO())
    assert "row 2" in err.getvalue()
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("import_xlsx", "nonsense", str(path))
    with pytest.raises(CommandError, match="No user"):
        call_command("import_xlsx", "targets", str(path), "--user", "nobody")


def test_the_command_as_a_user_applies_their_scope(tmp_path):
    mine, theirs = AssignmentFactory(), AssignmentFactory()
    user_with_role("department_user", official=mine.responsible, username="clerk")
    path = tmp_path / "reports.xlsx"
    path.write_bytes(xlsx([MONTHLY_HEADER, monthly_row(theirs.enterprise.credit_code)]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_xlsx", "monthly_reports", str(path), "--user", "clerk", stderr=err)
    assert "outside" in err.getvalue() or "范围" in err.getvalue()
    assert MonthlyReport.objects.count() == 0


def test_the_navigation_offers_imports_to_clerks_only(client):
    client.force_login(user_with_role("economic_bureau"))
    assert reverse("imports:index") in client.get(reverse("home")).content.decode()
    client.force_login(user_with_role("official", official=True))
    assert reverse("imports:index") not in client.get(reverse("home")).content.decode()


def test_the_words_of_the_import_pages_and_template(client):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(username="words", is_superuser=True))
    template = client.get(reverse("imports:template", args=["monthly_reports"]))
    notes = load_workbook(io.BytesIO(template.content)).worksheets[-1]
    headers = [cell.value for row in notes.iter_rows() for cell in row if cell.value]
    assert "必填" in headers and "应帮扶次数" not in headers
