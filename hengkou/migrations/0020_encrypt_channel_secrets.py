"""Encrypt the channels' webhook URLs and signing secrets at rest (core/crypto.py)."""

from django.db import migrations

import core.crypto


def _recode(apps, schema_editor, convert):
    # Raw SQL: the historical model's field would decrypt on reading and encrypt on writing.
    channel = apps.get_model("hengkou", "DeliveryChannel")
    quote = schema_editor.quote_name
    table, target, secret = quote(channel._meta.db_table), quote("target"), quote("secret")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {target}, {secret} FROM {table}")
        rows = cursor.fetchall()
        for pk, stored_target, stored_secret in rows:
            new_target, new_secret = convert(stored_target), convert(stored_secret)
            if (new_target, new_secret) != (stored_target, stored_secret):
                cursor.execute(
                    f"UPDATE {table} SET {target} = %s, {secret} = %s WHERE id = %s",
                    [new_target, new_secret, pk],
                )


def encrypt_rows(apps, schema_editor):
    def convert(stored):
        stored = stored or ""
        return stored if core.crypto.is_encrypted(stored) else core.crypto.encrypt(stored)

    _recode(apps, schema_editor, convert)


def decrypt_rows(apps, schema_editor):
    def convert(stored):
        plain = core.crypto.decrypt(stored or "")
        if isinstance(plain, core.crypto.Undecryptable):
            raise RuntimeError(
                "A channel's secret cannot be decrypted with HENGKOU_SECRETS_KEYS: "
                "set the key it was encrypted with before migrating back."
            )
        return plain

    _recode(apps, schema_editor, convert)


class Migration(migrations.Migration):
    dependencies = [
        ("hengkou", "0019_projection_history"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deliverychannel",
            name="secret",
            field=core.crypto.EncryptedTextField(
                blank=True, max_length=200, verbose_name="signing secret"
            ),
        ),
        migrations.AlterField(
            model_name="deliverychannel",
            name="target",
            field=core.crypto.EncryptedTextField(
                max_length=1000, verbose_name="address or webhook URL"
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
