"""Clerks configure channels in the admin: secrets are written once, never shown again, and the
addresses are checked; the delivery log is read-only, and the notice page shows its deliveries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from hengkou.messaging.models import Delivery, DeliveryChannel
from hengkou.models import SupervisionNotice
from hengkou.services.close import close_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)
from tests.receivers import DING_SECRET, TOKEN
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
ADD = reverse("admin:hengkou_deliverychannel_add")


@pytest.fixture
def clerk(client):
    client.force_login(user_with_role("economic_bureau", is_staff=True))
    return client


def _form(**values):
    return {
        "name": "D2 group",
        "kind": "dingtalk",
        "department": "",
        "user": "",
        "target": "",
        "secret": "",
        "is_active": "on",
        **values,
    }


def _assert_hidden(html):
    assert TOKEN not in html and DING_SECRET not in html


def test_a_clerk_adds_a_signed_dingtalk_channel_and_never_sees_its_secrets_again(clerk):
    department = DepartmentFactory(code="D2")
    response = clerk.post(ADD, _form(department=department.pk, target=DING_URL, secret=DING_SECRET))
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = DeliveryChannel.objects.get()
    assert (channel.target, channel.secret) == (DING_URL, DING_SECRET)
    change = reverse("admin:hengkou_deliverychannel_change", args=[channel.pk])
    for url in (reverse("admin:hengkou_deliverychannel_changelist"), change):
        html = clerk.get(url).content.decode()
        _assert_hidden(html)
        assert "••••" + TOKEN[-4:] in html
    # Saving with the secret fields left empty keeps what was stored.
    response = clerk.post(change, _form(name="renamed", department=department.pk))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.target, channel.secret) == ("renamed", DING_URL, DING_SECRET)
    clerk.post(change, _form(department=department.pk, clear_secret="on"))
    channel.refresh_from_db()
    assert channel.secret == "" and channel.target == DING_URL


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"target": "https://evil.example/robot/send?access_token=x"}, "oapi.dingtalk.com"),
        ({"target": "http://oapi.dingtalk.com/robot/send?access_token=x"}, "https://"),
        ({"kind": "email", "target": "not-an-address"}, "有效"),
        ({"target": DING_URL, "department": None}, ""),
    ],
)
def test_bad_channels_are_refused_with_a_message_and_nothing_written(clerk, values, message):
    department = DepartmentFactory(code="D2")
    values = {"department": department.pk, **values}
    if values["department"] is None:
        values["department"] = ""
    response = clerk.post(ADD, _form(**values))
    assert response.status_code == 200
    assert DeliveryChannel.objects.count() == 0
    html = response.content.decode()
    assert "errornote" in html and message in html
    _assert_hidden(html)


def test_a_department_user_cannot_reach_the_channels_nor_the_log(client):
    client.force_login(user_with_role("department_user", official=True, is_staff=True))
    for name in ("deliverychannel", "delivery"):
        assert client.get(reverse(f"admin:hengkou_{name}_changelist")).status_code == 403


def _notice_with_deliveries():
    department = DepartmentFactory(code="D2", name="D2局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    nov = datetime.date(2021, 11, 1)
    MonthlyReportFactory(enterprise=assignment.enterprise, period=nov, output_value=Decimal("10"))
    DeliveryChannel.objects.create(
        name="D2 钉钉群",
        kind="dingtalk",
        target=DING_URL,
        secret=DING_SECRET,
        department=department,
    )
    close_month(
        period=nov, acting_user=None, now=datetime.datetime(2021, 12, 3, tzinfo=datetime.UTC)
    )
    Delivery.objects.update(
        status="failed", attempts=1, last_error="errcode 310000: sign not match"
    )
    return SupervisionNotice.objects.get()


def test_the_notice_page_shows_its_delivery_log_without_secrets(supervisor):
    notice = _notice_with_deliveries()
    html = supervisor.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    assert "D2 钉钉群" in html and "errcode 310000: sign not match" in html
    _assert_hidden(html)


def test_the_bureau_reads_the_delivery_log_in_the_admin_and_cannot_change_it(clerk):
    reader = clerk
    _notice_with_deliveries()
    delivery = Delivery.objects.get()
    html = reader.get(reverse("admin:hengkou_delivery_changelist")).content.decode()
    assert "errcode 310000: sign not match" in html
    _assert_hidden(html)
    html = reader.get(reverse("admin:hengkou_delivery_change", args=[delivery.pk])).content.decode()
    _assert_hidden(html)
    assert reader.get(reverse("admin:hengkou_delivery_add")).status_code == 403


@pytest.mark.parametrize("name", ["deliverychannel", "delivery"])
def test_the_admin_lists_run_a_constant_number_of_queries(
    clerk, name, django_assert_max_num_queries
):
    from tests.factories import DeliveryFactory

    url = reverse(f"admin:hengkou_{name}_changelist")
    DeliveryFactory.create_batch(2)
    with django_assert_max_num_queries(12) as small:
        assert clerk.get(url).status_code == 200
    DeliveryFactory.create_batch(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert clerk.get(url).status_code == 200


def test_the_notice_page_reads_its_deliveries_in_one_query(
    supervisor, django_assert_max_num_queries
):
    from tests.factories import DeliveryFactory

    notice = _notice_with_deliveries()
    url = reverse("notice_detail", args=[notice.pk])
    with django_assert_max_num_queries(100) as few:
        supervisor.get(url)
    DeliveryFactory.create_batch(20, notice=notice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = supervisor.get(url).content.decode()
    assert html.count("企业微信群") >= 20
