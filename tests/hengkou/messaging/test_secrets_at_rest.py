"""The channels' webhook URLs and signing secrets are encrypted in the database; a wrong key
fails the delivery with a clear reason, never a 500, and no secret is logged."""

import datetime
import importlib
import logging
from decimal import Decimal
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core.crypto import PREFIX
from hengkou.messaging.models import Delivery, DeliveryChannel
from hengkou.messaging.services import send_deliveries
from hengkou.services.close import close_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)
from tests.receivers import DING_SECRET, KEY, TOKEN, Receiver
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
CLOSED_AT = datetime.datetime(2021, 12, 3, 2, 0, tzinfo=datetime.UTC)
WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"


@pytest.fixture(autouse=True)
def keys(settings):
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    settings.HENGKOU_MESSAGING_ALLOW_HTTP = True
    settings.HENGKOU_MESSAGING_HOSTS = {"wecom": ["127.0.0.1"], "dingtalk": ["127.0.0.1"]}
    return settings


def _raw_rows():
    table = connection.ops.quote_name(DeliveryChannel._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT target, secret FROM {table}")
        return cursor.fetchall()


def _lagging(code):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200"))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal("10"))
    return department


def test_the_raw_columns_hold_no_secret():
    department = DepartmentFactory(code="D2")
    DeliveryChannel.objects.create(
        name="g", kind="dingtalk", target=DING_URL, secret=DING_SECRET, department=department
    )
    DeliveryChannel.objects.create(name="w", kind="wecom", target=WECOM_URL, department=department)
    rows = _raw_rows()
    assert len(rows) == 2
    for target, secret in rows:
        assert target.startswith(PREFIX)
        for plain in (KEY, TOKEN, DING_SECRET, "oapi.dingtalk.com", "qyapi"):
            assert plain not in target and plain not in secret
    assert {secret for _target, secret in rows} - {""} != set()
    channel = DeliveryChannel.objects.get(name="g")
    assert (channel.target, channel.secret) == (DING_URL, DING_SECRET)


def test_the_data_migration_encrypts_rows_written_in_plain_text():
    department = DepartmentFactory(code="D2")
    channel = DeliveryChannel.objects.create(
        name="g", kind="dingtalk", target=DING_URL, secret=DING_SECRET, department=department
    )
    table = connection.ops.quote_name(DeliveryChannel._meta.db_table)
    with connection.cursor() as cursor:  # as 0018 stored them
        cursor.execute(f"UPDATE {table} SET target = %s, secret = %s", [DING_URL, DING_SECRET])
    assert _raw_rows() == [(DING_URL, DING_SECRET)]
    migration = importlib.import_module("hengkou.migrations.0020_encrypt_channel_secrets")
    # What the migration uses of its schema editor (SQLite opens none inside a test's transaction).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.encrypt_rows(django_apps, editor)
    migration.encrypt_rows(django_apps, editor)  # a second run changes nothing
    [(target, secret)] = _raw_rows()
    assert target.startswith(PREFIX) and secret.startswith(PREFIX)
    assert TOKEN not in target and DING_SECRET not in secret
    channel.refresh_from_db()
    assert (channel.target, channel.secret) == (DING_URL, DING_SECRET)


def test_a_wrong_key_fails_the_delivery_with_the_reason_and_logs_no_secret(settings, caplog):
    caplog.set_level(logging.DEBUG)
    lagging = _lagging("D2")
    with Receiver("dingtalk", secret=DING_SECRET) as dingtalk:
        DeliveryChannel.objects.create(
            name="g", kind="dingtalk", target=dingtalk.url, secret=DING_SECRET, department=lagging
        )
        close_month(period=NOV, acting_user=None, now=CLOSED_AT)  # left pending
        settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
        assert send_deliveries(now=CLOSED_AT) == (0, 1)
    assert dingtalk.received == [] and dingtalk.raw_paths == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "cannot be decrypted" in delivery.last_error
    assert "HENGKOU_SECRETS_KEYS" in delivery.last_error
    for secret in (TOKEN, DING_SECRET):
        assert secret not in caplog.text and secret not in delivery.last_error


def test_with_a_wrong_key_the_admin_shows_the_channel_unreadable_not_a_500(client, settings):
    department = DepartmentFactory(code="D2")
    channel = DeliveryChannel.objects.create(
        name="g", kind="dingtalk", target=DING_URL, secret=DING_SECRET, department=department
    )
    settings.HENGKOU_SECRETS_KEYS = [Fernet.generate_key().decode()]
    client.force_login(user_with_role("economic_bureau", is_staff=True))
    change = reverse("admin:hengkou_deliverychannel_change", args=[channel.pk])
    for url in (reverse("admin:hengkou_deliverychannel_changelist"), change):
        response = client.get(url)
        assert response.status_code == 200
        assert "无法用当前配置的密钥解密" in response.content.decode()
    # Saving without entering the address again is refused, and the stored token survives.
    before = _raw_rows()
    response = client.post(
        change,
        {
            "name": "g2",
            "kind": "dingtalk",
            "department": department.pk,
            "user": "",
            "target": "",
            "secret": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "请重新填写" in response.content.decode()
    assert _raw_rows() == before


def test_rotate_secrets_encrypts_with_the_new_first_key(settings, capsys):
    department = DepartmentFactory(code="D2")
    DeliveryChannel.objects.create(
        name="g", kind="dingtalk", target=DING_URL, secret=DING_SECRET, department=department
    )
    old = settings.HENGKOU_SECRETS_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.HENGKOU_SECRETS_KEYS = [new, old]
    call_command("rotate_secrets")
    assert "1 channel(s) encrypted with the first key." in capsys.readouterr().out
    settings.HENGKOU_SECRETS_KEYS = [new]
    channel = DeliveryChannel.objects.get()
    assert (channel.target, channel.secret) == (DING_URL, DING_SECRET)
