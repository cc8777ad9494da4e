"""The channels per department and per user for clerks, and the delivery log, read-only.

A webhook address and a signing secret are written once: the form never shows them again (an
empty field keeps what was stored), and lists show them masked ("••••1234").
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crypto import Undecryptable
from core.messaging import validate_webhook_url

from .models import ChannelKind, Delivery, DeliveryChannel

WRITE_ONLY = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class DeliveryChannelForm(forms.ModelForm):
    """The channel's form: secrets are write-only and the address is checked for its kind."""

    target = forms.CharField(
        label=_("address or webhook URL"),
        required=False,
        max_length=1000,
        widget=WRITE_ONLY,
        help_text=_(
            "An e-mail address, or the robot's webhook URL with its `key` or `access_token`. It "
            "is not shown again once saved; leave empty to keep the stored one."
        ),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        widget=WRITE_ONLY,
        help_text=_(
            "DingTalk's signing secret (加签, `SEC…`) or the JSON webhook's signing key; optional. "
            "Not shown again once saved; leave empty to keep the stored one."
        ),
    )
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)

    class Meta:
        model = DeliveryChannel
        fields = ("name", "kind", "department", "user", "target", "secret", "is_active")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        target = cleaned.get("target") or (self.instance.target if self.instance.pk else "")
        if isinstance(target, Undecryptable):
            self.add_error(
                "target",
                gettext(
                    "The stored address cannot be decrypted with the configured keys: "
                    "enter it again."
                ),
            )
        elif not target:
            self.add_error("target", gettext("Enter the address or webhook URL."))
        elif kind == ChannelKind.EMAIL:
            try:
                validate_email(target)
            except ValidationError:
                self.add_error("target", gettext("Enter a valid e-mail address."))
        elif kind:
            try:
                validate_webhook_url(target, kind=kind)
            except ValidationError as error:
                self.add_error("target", error)
        if bool(cleaned.get("department")) == bool(cleaned.get("user")):
            self.add_error(None, gettext("Choose either a department or a user, not both."))
        cleaned["target"] = target
        return cleaned

    def save(self, commit=True):
        channel = super().save(commit=False)
        channel.target = self.cleaned_data["target"]
        if self.cleaned_data.get("clear_secret"):
            channel.secret = ""
        elif not self.cleaned_data.get("secret") and self.instance.pk:
            channel.secret = DeliveryChannel.objects.get(pk=self.instance.pk).secret
        if commit:
            channel.save()
        return channel


@admin.register(DeliveryChannel)
class DeliveryChannelAdmin(admin.ModelAdmin):
    """A department's group robot for its notices, a leader's own channel for escalations."""

    form = DeliveryChannelForm
    list_display = ("name", "kind", "department", "user", "masked_target", "signed", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("department", "user")
    autocomplete_fields = ("department",)
    search_fields = ("name", "department__name", "user__username")
    readonly_fields = ("stored_target", "stored_secret")
    fields = (
        "name",
        "kind",
        "department",
        "user",
        "stored_target",
        "target",
        "stored_secret",
        "secret",
        "clear_secret",
        "is_active",
    )

    @admin.display(description=_("address or webhook URL"))
    def masked_target(self, obj):
        return obj.masked_target

    @admin.display(description=_("signed"), boolean=True)
    def signed(self, obj):
        return bool(obj.secret) or isinstance(obj.secret, Undecryptable)

    @admin.display(description=_("stored address"))
    def stored_target(self, obj):
        return obj.masked_target if obj and obj.pk else "—"

    @admin.display(description=_("stored signing secret"))
    def stored_secret(self, obj):
        return (obj.masked_secret if obj and obj.pk else "") or "—"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: each message to each channel, sent or failed with the reason."""

    list_display = (
        "created_at",
        "event",
        "title",
        "channel_name",
        "kind",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "event")
    search_fields = ("title", "channel_name")
    readonly_fields = (
        "channel_name",
        "kind",
        "event",
        "key",
        "notice",
        "title",
        "text",
        "url",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    exclude = ("channel",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
