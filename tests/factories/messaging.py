"""Factories of the delivery channels and the delivery log (hengkou/messaging/)."""

import factory
from django.utils import timezone

from hengkou.messaging.models import Delivery, DeliveryChannel

from .enterprises import DepartmentFactory


class DeliveryChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryChannel

    name = factory.Sequence(lambda n: f"企业微信群{n}")
    kind = "wecom"
    department = factory.SubFactory(DepartmentFactory)
    target = factory.Sequence(
        lambda n: f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=factory-key-{n:04d}"
    )


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = factory.SubFactory(DeliveryChannelFactory)
    channel_name = factory.SelfAttribute("channel.name")
    kind = factory.SelfAttribute("channel.kind")
    event = "notice"
    key = factory.Sequence(lambda n: f"notice:{n}:20211203T020000")
    title = "督办通知"
    text = "完成率落后于时间进度。"
    url = "https://tracker.example/notices/1/"
    next_attempt_at = factory.LazyFunction(timezone.now)
