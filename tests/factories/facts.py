"""Factories of the zone's facts: milestones, promotion events, chain years, standings."""

import datetime

import factory

from enterprises.models import ChainYear, Milestone, PromotionEvent, ZoneStanding


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    happened_on = datetime.date(2021, 6, 30)
    kind = "recognition"
    title = factory.Sequence(lambda n: f"国家外贸转型升级基地{n}")
    level = "national"


class PromotionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromotionEvent

    held_on = datetime.date(2021, 9, 10)
    title = factory.Sequence(lambda n: f"名优特色产品展销会{n}")
    city = "西安"


class ChainYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChainYear

    chain = "毛绒玩具"
    year = factory.Sequence(lambda n: 2000 + n % 100)
    employment = 3107


class ZoneStandingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ZoneStanding

    year = factory.Sequence(lambda n: 2000 + n % 100)
    indicator = "value_added"
    rank = 2
    out_of = 13
