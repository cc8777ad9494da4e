"""The article's facts that are not monthly figures: the zone's honours and platforms, the trade
fairs, the plush-toy chain by year and the zone's standing in the city.

Written by natural key through the demo's Writer, dated as the article dates them. Where the
article gives no date or number (the trade fairs' days, the zone's exact rank) the value is
illustrative and its note says so.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from enterprises.choices import MilestoneKind, MilestoneLevel, StandingIndicator
from enterprises.models import ChainYear, Milestone, PromotionEvent, ZoneStanding

from .article.common import PLUSH_CHAIN, PLUSH_EMPLOYEES, PLUSH_POVERTY_EMPLOYEES, Writer

D = datetime.date

# 截至2021年底累计实现产值10.98亿元 (万元), since the chain began in July 2018.
PLUSH_CUMULATIVE_OUTPUT = Decimal("109800.00")
PLUSH_INCOME_INCREASE = Decimal("30000.00")  # 人均增收3万元 (元)
PLUSH_BRANCH_FACTORIES = 15

# date, kind, title, level, enterprise keys, institutions, note
MILESTONES = (
    (D(2021, 6, 30), MilestoneKind.RECOGNITION, "国家外贸转型升级基地（毛绒玩具产业）",
     MilestoneLevel.NATIONAL, (), "", "恒口示范区获认定；2021年度全省获认定的唯一新基地。"),
    (D(2021, 10, 9), MilestoneKind.PLATFORM, "陕西智慧玩具创新中心通过专家评审",
     MilestoneLevel.PROVINCIAL, (), "",
     "恒口示范区申报；全省共通过6家单位，是唯一通过评审的轻工制造行业。"),
    (D(2021, 10, 13), MilestoneKind.PLATFORM, "纳米多功能性纤维纤维协同创新中心揭牌投用",
     MilestoneLevel.CITY, ("anbeisi",), "苏州大学",
     "安贝斯玩具科创公司与苏州大学合作共建，对安康市产业转型升级意义重大。"),
    (D(2021, 12, 15), MilestoneKind.PRODUCT, "安康第一代智能毛绒玩具样品问世",
     MilestoneLevel.CITY, (), "", "可实现用户语音互动、语音包匹配问答等功能。"),
)  # fmt: skip

FAIR_NOTE = "文章载集味食品、恒安玩具、安贝斯科创等企业先后赴西安、南宁、苏州参展；日期为示例。"
# date, city; the article names the three enterprises for the fairs together.
FAIRS = ((D(2021, 5, 11), "西安"), (D(2021, 9, 10), "南宁"), (D(2021, 11, 18), "苏州"))
FAIR_FIRMS = ("jiwei", "hengan", "anbeisi")


def seed_zone_facts(writer: Writer, firms: dict) -> None:
    """Write the milestones, trade fairs, the chain's years and the zone's standing."""
    _write_milestones(writer, firms)
    _write_fairs(writer, firms)
    _write_chain_years(writer, firms)
    writer.rows(
        ZoneStanding,
        ("year", "indicator"),
        [
            {
                "year": 2021,
                "indicator": StandingIndicator.VALUE_ADDED,
                "rank": 2,
                "out_of": 13,
                "value": None,
                "unit": "",
                "note": "工业增加值位居全市前列（文章未载名次，名次为示例）。",
            }
        ],
        existing=ZoneStanding.objects.filter(year=2021),
    )


def _write_milestones(writer: Writer, firms: dict) -> None:
    rows = writer.rows(
        Milestone,
        ("happened_on", "title"),
        [
            {
                "happened_on": day,
                "kind": kind,
                "title": title,
                "level": level,
                "institutions": institutions,
                "note": note,
            }
            for day, kind, title, level, _keys, institutions, note in MILESTONES
        ],
        existing=Milestone.objects.filter(happened_on__year=2021),
    )
    links = {
        rows[(day, title)].pk: {firms[key].pk for key in keys}
        for day, _kind, title, _level, keys, *_ in MILESTONES
    }
    writer.links("Milestone.enterprises", Milestone.enterprises.through, "milestone", "enterprise",
                 links)  # fmt: skip


def _write_fairs(writer: Writer, firms: dict) -> None:
    title = "名优特色产品展销活动"
    rows = writer.rows(
        PromotionEvent,
        ("held_on", "title", "city"),
        [{"held_on": day, "title": title, "city": city, "note": FAIR_NOTE} for day, city in FAIRS],
        existing=PromotionEvent.objects.filter(held_on__year=2021),
    )
    links = {
        rows[(day, title, city)].pk: {firms[key].pk for key in FAIR_FIRMS} for day, city in FAIRS
    }
    writer.links(
        "PromotionEvent.enterprises",
        PromotionEvent.enterprises.through,
        "promotionevent",
        "enterprise",
        links,
    )


def _chain_rows() -> list[dict]:
    """The chain's own years: its beginning, and the article's figures at the end of 2021.

    The article gives no year's output of the whole chain (only the cumulative since July 2018,
    and 恒安's and 恒通's own); the chain page shows the year's output from the monthly reports.
    """
    blank = dict.fromkeys(
        (
            "output",
            "cumulative_output",
            "employment",
            "poverty_employment",
            "branch_factories",
            "workshops",
            "income_increase",
            "supporting_enterprises",
        ),
        None,
    )
    return [
        {
            **blank,
            "year": 2018,
            "note": "2018年7月起，围绕市委、市政府大力发展毛绒玩具文创产业的决定，全力开展毛绒玩具"
            "企业招商引资；总部企业江苏安贝斯落户恒口。",
        },
        {
            **blank,
            "year": 2021,
            "cumulative_output": PLUSH_CUMULATIVE_OUTPUT,
            "employment": PLUSH_EMPLOYEES,
            "poverty_employment": PLUSH_POVERTY_EMPLOYEES,
            "branch_factories": PLUSH_BRANCH_FACTORIES,
            "income_increase": PLUSH_INCOME_INCREASE,
            "note": "截至2021年底：自2018年7月以来累计实现产值10.98亿元，解决就业3107人，其中"
            "带动脱贫人口就业378人，人均增收3万元；“总部+支部工厂+家庭作坊”发展模式，支部工厂"
            "15家（家庭作坊数文章未载）。",
        },
    ]


# key, year, figures, note: the enterprises the article follows through the years.
ENTERPRISE_YEARS = (
    ("hengan", 2019, {"employment": 100}, "开工之初带动本地就近就业100多人（年份为示例）。"),
    ("hengan", 2021, {"employment": 1046, "output": Decimal("25000.00")},
     "带动本地就近就业增加至1046人，实现年产值2.5亿元。"),
    ("hengtong", 2021, {"output": Decimal("21000.00")},
     "年产3万吨、产值2.1亿；2021年3月投产，填补安康毛绒玩具PP棉生产空白。"),
    ("anbeisi", 2021, {"supporting_enterprises": 10},
     "安贝斯文创产业园已招商10余家毛绒玩具生产配套企业。"),
)  # fmt: skip


def _write_chain_years(writer: Writer, firms: dict) -> None:
    figures = (
        "output",
        "cumulative_output",
        "employment",
        "poverty_employment",
        "branch_factories",
        "workshops",
        "income_increase",
        "supporting_enterprises",
    )
    rows = [{"chain": PLUSH_CHAIN, "enterprise_id": None, **row} for row in _chain_rows()]
    for key, year, values, note in ENTERPRISE_YEARS:
        rows.append(
            {
                "chain": PLUSH_CHAIN,
                "year": year,
                "enterprise_id": firms[key].pk,
                **dict.fromkeys(figures, None),
                **values,
                "note": note,
            }
        )
    writer.rows(
        ChainYear,
        ("chain", "year", "enterprise_id"),
        rows,
        existing=ChainYear.objects.filter(chain=PLUSH_CHAIN),
    )
