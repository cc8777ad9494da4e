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
from hengkou.annual.models import AnnualPlan

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
     "安贝斯玩具科创公司与苏州大学合作共建，对安康市产业转型升级意义重大（文章未载级别，"
     "市级为示例）。"),
    (D(2021, 12, 15), MilestoneKind.PRODUCT, "安康第一代智能毛绒玩具样品问世",
     MilestoneLevel.CITY, (), "",
     "可实现用户语音互动、语音包匹配问答等功能（文章未载级别，市级为示例）。"),
)  # fmt: skip

FAIR_NOTE = "文章载集味食品、恒安玩具、安贝斯科创等企业先后赴西安、南宁、苏州参展；日期为示例。"
# date, city; the article names the three enterprises for the fairs together.
FAIRS = ((D(2021, 5, 11), "西安"), (D(2021, 9, 10), "南宁"), (D(2021, 11, 18), "苏州"))
FAIR_FIRMS = ("jiwei", "hengan", "anbeisi")


# The zone's annual work plans, issued at the start of each year: 2021's as the article states
# it; for 2022 the article gives the total goal only, no figure (its title is illustrative).
PLAN_2021 = """2021新年伊始印发。

一、“五个一”工作机制：一个企业、一名领导、一个部门、一套班子、一个方案。
二、“三个一”推进机制：一月一通报，一季一督查，年终一考核。
三、包抓职责：县级领导负责重点企业各项包抓协调，召集部门解决企业存在问题；各包抓部门负责指导\
企业完成入库纳统、年度投资、形象进度、安全生产、环境保护、工资发放、项目争取、疫情防控等工作。\
按照“一企一策”的要求，包抓部门制定详细的工作计划，定时定期向包抓重点工业企业工作领导小组办公室\
报送工作开展情况。
四、工作专班：整合包抓力量，成立工作专班，制定工作方案，明确专人，明确目标、标准和时限。
五、到企帮扶：县级领导每季度到企帮扶不少于1次，部门主要负责人每月到企帮扶不少于1次，帮扶责任人\
每周到企帮扶不少于1次，紧急事项随时到企，现场解决问题。
六、督办考核：包抓重点企业工作列入示范区党工委、管委会重要督办事项；经济委、局每月汇总各包抓部门\
所包抓企业工业经济指标完成情况，报送管委会各领导及抓落实办；抓落实办对完成进度靠后的包抓部门进行\
督办提醒并纳入年度工作考核。
七、重点工业项目：坚持“竣工一批、开工一批、储备一批”，实行“月报表、月分析、月通报、半年督查、\
年终评比”的工作制度。"""
PLAN_2022 = """2022年，恒口示范区一如既往按照市委、市政府各项决策部署，奋力聚焦“工业强市、产业强市”\
发展总目标，在工业经济高质量发展之路上再谱新篇。

（文章只载总目标，未载2022年的指标数值；方案标题为示例。）"""
ANNUAL_PLANS = (
    (2021, "《2021年重点工业企业包抓工作实施方案》", PLAN_2021),
    (2022, "《2022年工业经济高质量发展工作方案》", PLAN_2022),
)


def seed_zone_facts(writer: Writer, firms: dict) -> None:
    """Write the annual plans, milestones, trade fairs, the chain's years and the standing."""
    writer.rows(
        AnnualPlan,
        ("year",),
        [{"year": year, "title": title, "text": text} for year, title, text in ANNUAL_PLANS],
        existing=AnnualPlan.objects.filter(year__in=[year for year, *_ in ANNUAL_PLANS]),
    )
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


# The chain's output by year (万元): 2020 and 2021 are the sums of its enterprises' monthly
# reports (the chain page's and chain-stats' output of that year); 2019 is illustrative, and the
# second half of 2018 (from July, when the chain began) is what is left of the article's 10.98亿.
PLUSH_OUTPUT_2019 = Decimal("10000.00")
PLUSH_REPORTED_YEARS = (2020, 2021)


def plush_output_by_year() -> dict[int, Decimal]:
    """Return the plush-toy chain's output by year, summing to exactly the article's 10.98亿."""
    from django.db.models import Sum

    from enterprises.models import MonthlyReport

    reported = {
        year: MonthlyReport.objects.filter(
            enterprise__chain=PLUSH_CHAIN, period__year=year
        ).aggregate(total=Sum("output_value"))["total"]
        or Decimal("0.00")
        for year in PLUSH_REPORTED_YEARS
    }
    first = PLUSH_CUMULATIVE_OUTPUT - PLUSH_OUTPUT_2019 - sum(reported.values())
    if not Decimal("0") < first < PLUSH_OUTPUT_2019:
        raise ValueError(f"the plush-toy chain's 2018 output would be {first}万元")
    output = {2018: first, 2019: PLUSH_OUTPUT_2019, **reported}
    return {year: value.quantize(Decimal("0.01")) for year, value in output.items()}


def _chain_rows() -> list[dict]:
    """The chain's own years from its beginning in July 2018: the output of each year, summing to
    the article's cumulative 10.98亿 at the end of 2021, and the article's other figures then."""
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
    output = plush_output_by_year()
    return [
        {
            **blank,
            "year": 2018,
            "output": output[2018],
            "note": "2018年7月起，围绕市委、市政府大力发展毛绒玩具文创产业的决定，全力开展毛绒玩具"
            "企业招商引资；总部企业江苏安贝斯落户恒口，旗下恒安玩具、恒通纤维（PP棉）等一批扬州"
            "企业先后落地恒口。产值为7—12月（文章只载累计10.98亿元：2018、2019年产值为示例，"
            "与2020、2021年之和为10.98亿元）。",
        },
        {
            **blank,
            "year": 2019,
            "output": output[2019],
            "note": "产值为示例（见2018年）。",
        },
        {
            **blank,
            "year": 2020,
            "output": output[2020],
            "note": "产值为链上企业2020年月报表之和。",
        },
        {
            **blank,
            "year": 2021,
            "output": output[2021],
            "cumulative_output": PLUSH_CUMULATIVE_OUTPUT,
            "employment": PLUSH_EMPLOYEES,
            "poverty_employment": PLUSH_POVERTY_EMPLOYEES,
            "branch_factories": PLUSH_BRANCH_FACTORIES,
            "income_increase": PLUSH_INCOME_INCREASE,
            "note": "产值为链上企业2021年月报表之和。截至2021年底：自2018年7月以来累计实现产值"
            "10.98亿元，解决就业3107人，其中带动脱贫人口就业378人，人均增收3万元；"
            "“总部+支部工厂+家庭作坊”发展模式，支部工厂15家（家庭作坊数文章未载）。",
        },
    ]


# key, year, figures, note: the enterprises the article follows through the years.
ENTERPRISE_YEARS = (
    ("hengan", 2019, {"employment": 100},
     "江苏安贝斯旗下扬州企业，落地恒口；开工之初带动本地就近就业100多人（年份为示例）。"),
    ("hengan", 2021, {"employment": 1046, "output": Decimal("25000.00")},
     "带动本地就近就业增加至1046人，实现年产值2.5亿元。"),
    ("hengtong", 2021, {"output": Decimal("21000.00")},
     "江苏安贝斯旗下扬州企业。年产3万吨、产值2.1亿；2021年3月投产，填补安康毛绒玩具PP棉生产"
     "空白；3万吨的产量不仅可以满足全市600余家毛玩企业每年6000吨的需求，还可保证陕西乃至西北"
     "的产业需求。"),
    ("anbeisi", 2021, {"supporting_enterprises": 10},
     "安贝斯文创产业园已招商10余家毛绒玩具生产配套企业；旗下恒安玩具、恒通纤维（PP棉）等一批"
     "扬州企业先后落地恒口。"),
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
