"""Extend the demo with the rest of the article for 2021: cultivation, funding, safety, parks,
and the facts of facts.py (milestones, trade fairs, the chain by year, the zone's standing).

Runs after ``seed_demo`` (it needs its enterprises and projects). Every row is planned from fixed
data and one seeded random stream, then written by natural key through the demo's Writer, so a
second run writes nothing. Where the article gives no detail (banks, buildings, the six service
centres' names) the values are illustrative.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from enterprises.choices import (
    ChainRole,
    CultivationStatus,
    FacilityKind,
    InspectionKind,
    SafetyActivityKind,
    TitleKind,
    TitleLevel,
)
from enterprises.models import (
    Cultivation,
    Enterprise,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from projects.models import FundingApplication, FundingStatus, Project

from .article.common import PLUSH_CHAIN, YEARS, Tally, Writer
from .article.firms import FOOD_PARK, INDUSTRY_PARK, NAMED_FIRMS, PLUSH_PARK
from .facts import seed_zone_facts

YEAR = 2021
D = datetime.date

# 2021's funding (万元): programme, project name or enterprise key, status, requested, approved,
# received.
FUNDING = (
    ("陕南发展专项", "通用机械迁建技改项目", FundingStatus.APPROVED, 1500, 1400, 1200),
    ("省级汽车发展专项", "海润恒昶精密制造产业园", FundingStatus.APPROVED, 1300, 1200, 1200),
    ("省级技术改造专项", "博旭达机械数控生产线技术改造项目", FundingStatus.APPROVED, 900, 800, 800),
    ("外贸物流补贴", "hengan", FundingStatus.APPROVED, 700, 650, 650),
    ("加工贸易梯度转移", "anbeisi", FundingStatus.APPROVED, 1000, 900, 900),
    ("市级工业产业发展", "恒通PP棉项目一期", FundingStatus.APPROVED, 600, 486, 486),
    ("市级工业产业发展", "jiwei", FundingStatus.REJECTED, 200, 0, 0),
    ("省级技术改造专项", "恒安玩具智能化生产线技术改造项目", FundingStatus.SUBMITTED, 300, 0, 0),
)

BANKS = {
    "icbc": "中国工商银行安康分行",
    "abc": "中国农业银行安康分行",
    "ccb": "中国建设银行安康分行",
    "rcb": "安康农村商业银行",
    "psbc": "中国邮政储蓄银行安康分行",
    "changan": "长安银行安康分行",
}
# The three 银企对接会 of 2021 and their loans (万元): 1.5亿元 in all. Small enterprises are the
# plush-toy branch factories, in credit-code order; their loans fall under the risk fund.
MEETINGS = (
    (
        D(2021, 3, 18),
        "2021年第一次银企对接会",
        (
            ("tongyong", "icbc", 3000, 36),
            ("hengtong", "ccb", 2000, 24),
            ("hairun", "abc", 1500, 36),
            (0, "rcb", 300, 12),
            (1, "psbc", 200, 12),
        ),
    ),
    (
        D(2021, 7, 15),
        "2021年第二次银企对接会",
        (
            ("hengan", "abc", 2500, 24),
            ("xinan", "changan", 1200, 24),
            ("jiwei", "rcb", 800, 12),
            (2, "psbc", 300, 12),
            (3, "rcb", 200, 12),
        ),
    ),
    (
        D(2021, 11, 10),
        "2021年第三次银企对接会",
        (
            ("anbeisi", "icbc", 1500, 36),
            ("boxuda", "ccb", 1000, 24),
            (4, "rcb", 300, 12),
            (5, "psbc", 200, 12),
        ),
    ),
)
RISK_FUND_FIRMS = {"jiwei"}

# Holidays on which every key workplace is inspected (重大节假日必检), with the inspection day.
HOLIDAYS = (D(2021, 2, 8), D(2021, 4, 1), D(2021, 4, 28), D(2021, 6, 10), D(2021, 9, 17),
            D(2021, 9, 28))  # fmt: skip
AREAS = ("工业", "商贸", "成品油", "民爆")
# The zone's petrol stations (成品油) and its explosives sites (民爆): a store of civil explosives
# and the blasting contractors working in the zone (names illustrative).
PLACES = {
    "成品油": ("恒口加油站", "月河加油站", "梧桐加油站", "东坝加油站"),
    "民爆": (
        "恒口示范区民爆器材仓库",
        "恒口爆破作业单位（石英砂项目采区）",
        "恒口示范区民爆器材配送站",
    ),
}

# kind, date, title, participants, and the counts kept since: materials distributed, people
# trained, venue. The article: 发放宣传资料200余份; 重点企业安全生产培训2次; the zone's people at
# the city-wide training (全市工信系统安全生产培训会, held in the city; how many is illustrative).
ACTIVITIES = (
    (SafetyActivityKind.TRAINING, D(2021, 6, 16), "“安全生产月”重点企业安全生产培训", 86,
     None, 86, ""),
    (SafetyActivityKind.TRAINING, D(2021, 9, 8), "重点企业安全生产培训", 64, None, 64, ""),
    (SafetyActivityKind.TRAINING, D(2021, 7, 22), "全市工信系统安全生产培训会", 12, None, 12,
     "安康市区"),
    (SafetyActivityKind.PUBLICITY, D(2021, 6, 1), "安全生产知识宣传（共发放宣传资料200余份）", 0,
     200, None, ""),
    (SafetyActivityKind.DRILL, D(2021, 5, 12), "辖区加油站消防演练（上半年）", 32, None, None, ""),
    (SafetyActivityKind.DRILL, D(2021, 11, 9), "辖区加油站消防演练（下半年）", 35, None, None, ""),
    *(
        (SafetyActivityKind.DOCUMENT, D(2021, month, 6), f"恒示安发〔2021〕{n}号", 0, None, None,
         "")
        for n, month in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), start=1)
    ),
)  # fmt: skip

# Standard factories (m²): 40,000 m² built in 2021; two older ones show the year filter.
FACTORIES = (
    *((PLUSH_PARK, f"{n}#厂房", 4800, YEAR, n - 1) for n in range(1, 7)),
    (INDUSTRY_PARK, "A1厂房", 5600, YEAR, "boxuda"),
    (INDUSTRY_PARK, "A2厂房", 5600, YEAR, None),
    (FOOD_PARK, "1#厂房", 3000, 2020, "jiwei"),
    (FOOD_PARK, "2#厂房", 3000, 2020, None),
)
FACILITIES = (
    *(
        (name, FacilityKind.SERVICE_CENTRE)
        for name in (
            "客商政务服务中心",
            "客商金融服务中心",
            "客商物流服务中心",
            "客商电商服务中心",
            "客商研发设计中心",
            "客商培训服务中心",
        )
    ),
    ("园区职工食堂", FacilityKind.CANTEEN),
    ("园区人才公寓", FacilityKind.APARTMENT),
)
# New enterprises of 2021 and their investment (万元): 8 reach 1,000 万元, 2 do not. Besides 恒通,
# the plush-toy producers that came to the park (毛绒玩具文创产业园) that year: the largest of
# those outside the sponsorship system, by position (see ``_park_newcomers``).
NEW_INVESTORS = (("hengtong", 16300), *((f"new-{n}", 3100 + 350 * n) for n in range(7)),
                 ("new-7", 600), ("new-8", 380))  # fmt: skip
NEWCOMERS = 9

CULTIVATIONS = (
    # key, title, level, status, identified, applied, decided, documents
    ("tongyong", TitleKind.ABOVE_SCALE, "", "recognised", D(2021, 1, 12), D(2021, 7, 5),
     D(2021, 8, 20), "迁建技改投产后月度产值达到入库标准，已入库纳统。"),
    ("hengtong", TitleKind.ABOVE_SCALE, "", "recognised", D(2021, 1, 12), D(2021, 4, 6),
     D(2021, 5, 18), "2021年3月投产，入库纳统资料齐全。"),
    ("jiwei", TitleKind.ABOVE_SCALE, "", "recognised", D(2021, 1, 12), D(2021, 3, 8),
     D(2021, 4, 20), "入库纳统资料齐全。"),
    ("jiwei", TitleKind.HIGH_TECH, TitleLevel.PROVINCIAL, "recognised", D(2021, 2, 22),
     D(2021, 6, 30), D(2021, 11, 25), "省级高新技术企业认定材料已通过评审。"),
    ("boxuda", TitleKind.HIGH_TECH, TitleLevel.PROVINCIAL, "applying", D(2021, 3, 15),
     D(2021, 10, 15), None, "点对点指导完善知识产权、研发费用归集等认定资料。"),
    ("hairun", TitleKind.SPECIALIZED, TitleLevel.PROVINCIAL, "applying", D(2021, 4, 2),
     D(2021, 9, 20), None, "指导完善“专精特新”申报资料。"),
)  # fmt: skip


def seed_zone_demo(writer: Writer | None = None) -> dict[str, Tally]:
    """Write 2021's cultivation, funding, finance, safety, park records and the zone's facts;
    return the tallies."""
    writer = writer or Writer()
    with transaction.atomic():
        firms = _demo_enterprises()
        _write_cultivations(writer, firms)
        _write_funding(writer, firms)
        _write_finance(writer, firms)
        _write_safety(writer, firms)
        _write_parks(writer, firms)
        seed_zone_facts(writer, firms)
    return writer.tallies


def _demo_enterprises() -> dict:
    """Return the demo enterprises: named ones by key, small plush-toy ones by position."""
    names = {name: key for key, name, *_ in NAMED_FIRMS}
    named = {names[e.name]: e for e in Enterprise.objects.filter(name__in=names)}
    if len(named) != len(names):
        raise ValueError("seed_zone_demo needs the enterprises of seed_demo: run it first")
    small = Enterprise.objects.filter(
        chain=PLUSH_CHAIN, chain_role__in=[ChainRole.BRANCH_FACTORY, ChainRole.PRODUCER]
    ).exclude(pk__in=[e.pk for e in named.values()])
    small = list(small.order_by("chain_role", "credit_code")[:16])
    return {**named, **dict(enumerate(small)), **_park_newcomers(named)}


def _park_newcomers(named: dict) -> dict:
    """Return the plush-toy producers in the park new in 2021, keyed ``new-0``, ``new-1``…

    They are the largest producers with no assignment (so no reports before they came), in the
    plush-toy park, from the article's records (the living demo's later years aside).
    """
    found = (
        Enterprise.objects.filter(
            chain=PLUSH_CHAIN, chain_role=ChainRole.PRODUCER, address=PLUSH_PARK
        )
        .exclude(pk__in=[e.pk for e in named.values()])
        .exclude(assignments__year__in=YEARS)
        .order_by("-employees", "credit_code")[:NEWCOMERS]
    )
    return {f"new-{n}": firm for n, firm in enumerate(found)}


def _write_cultivations(writer: Writer, firms) -> None:
    rows = [
        {
            "enterprise_id": firms[key].pk,
            "title": title,
            "year": YEAR,
            "level": level,
            "status": CultivationStatus(status),
            "identified_on": identified,
            "applied_on": applied,
            "decided_on": decided,
            "documents": documents,
        }
        for key, title, level, status, identified, applied, decided, documents in CULTIVATIONS
    ]
    writer.rows(
        Cultivation,
        ("enterprise_id", "title", "year"),
        rows,
        existing=Cultivation.objects.filter(year=YEAR),
    )


def _write_funding(writer: Writer, firms) -> None:
    projects = {
        p.name: p
        for p in Project.objects.filter(name__in=[r[1] for r in FUNDING if r[1] not in firms])
    }
    rows = []
    for n, (programme, target, status, requested, approved, received) in enumerate(FUNDING):
        project = projects.get(target)
        enterprise = firms[target] if project is None else project.enterprise
        rows.append(
            {
                "programme": programme,
                "year": YEAR,
                "project_id": project.pk if project else None,
                "enterprise_id": enterprise.pk if enterprise else None,
                "status": status,
                "applied_on": D(YEAR, 3 + n, 10),
                "requested": Decimal(requested).quantize(Decimal("0.01")),
                "approved": Decimal(approved).quantize(Decimal("0.01")),
                "received": Decimal(received).quantize(Decimal("0.01")),
            }
        )
    writer.rows(
        FundingApplication,
        ("programme", "year", "project_id", "enterprise_id"),
        rows,
        existing=FundingApplication.objects.filter(year=YEAR),
    )


def _write_finance(writer: Writer, firms) -> None:
    meetings = writer.rows(
        Matchmaking,
        ("held_on", "title"),
        [
            {
                "held_on": day,
                "title": title,
                "banks": "\n".join(sorted({BANKS[bank] for _, bank, _, _ in loans})),
                "outcome": f"{len(loans)}户企业与银行达成贷款意向。",
                "loans_amount": Decimal(sum(amount for _, _, amount, _ in loans)).quantize(
                    Decimal("0.01")
                ),
            }
            for day, title, loans in MEETINGS
        ],
        existing=Matchmaking.objects.filter(held_on__year=YEAR),
    )
    rows, links = [], {}
    for day, title, loans in MEETINGS:
        meeting = meetings[(day, title)]
        links[meeting.pk] = {firms[key].pk for key, *_ in loans}
        for n, (key, bank, amount, term) in enumerate(loans):
            rows.append(
                {
                    "enterprise_id": firms[key].pk,
                    "bank": BANKS[bank],
                    "granted_on": day + datetime.timedelta(days=20 + 7 * n),
                    "amount": Decimal(amount).quantize(Decimal("0.01")),
                    "term_months": term,
                    "under_risk_fund": isinstance(key, int) or key in RISK_FUND_FIRMS,
                    "matchmaking_id": meeting.pk,
                }
            )
    writer.rows(
        Loan,
        ("enterprise_id", "granted_on", "bank"),
        rows,
        existing=Loan.objects.filter(granted_on__year=YEAR),
    )
    writer.links(
        "Matchmaking.enterprises",
        Matchmaking.enterprises.through,
        "matchmaking",
        "enterprise",
        links,
    )


def _inspection_days(rng: random.Random) -> list[tuple[datetime.date, str]]:
    days = []
    for month in range(1, 13):
        for week in range(4):
            days.append((D(YEAR, month, 3 + 7 * week), InspectionKind.SCHEDULED))
        for day in sorted(rng.sample(range(1, 29), 3)):
            days.append((D(YEAR, month, day), InspectionKind.RANDOM))
    for holiday in HOLIDAYS:
        days.extend((holiday, InspectionKind.HOLIDAY) for _ in range(4))
    return days


def _write_safety(writer: Writer, firms) -> None:
    rng = random.Random("hengkou-demo/zone-safety")
    workplaces = [e for key, e in sorted(firms.items(), key=lambda item: str(item[0]))]
    rows, seen = [], set()
    for n, (day, kind) in enumerate(_inspection_days(rng)):
        area = AREAS[n % len(AREAS)]
        if area in ("工业", "商贸"):
            enterprise = workplaces[n % len(workplaces)]
            place = area
        else:
            enterprise = None
            sites = PLACES[area]
            place = f"{area}·{sites[(n // len(AREAS)) % len(sites)]}"
        key = (day, enterprise.pk if enterprise else None, place)
        if key in seen:
            place = f"{place}（复查）"
        seen.add((day, enterprise.pk if enterprise else None, place))
        found = rng.choice((0, 0, 1, 1, 2, 3))
        # December's hazards are still being rectified at the year's end.
        open_hazards = min(found, 1) if day.month == 12 and found else 0
        rows.append(
            {
                "inspected_on": day,
                "kind": kind,
                "enterprise_id": enterprise.pk if enterprise else None,
                "area": place,
                "hazards_found": found,
                "hazards_rectified": found - open_hazards,
                "rectify_deadline": day + datetime.timedelta(days=30) if found else None,
            }
        )
    writer.rows(
        SafetyInspection,
        ("inspected_on", "enterprise_id", "area"),
        rows,
        existing=SafetyInspection.objects.filter(inspected_on__year=YEAR),
    )
    writer.rows(
        SafetyActivity,
        ("held_on", "title"),
        [
            {
                "kind": kind,
                "held_on": day,
                "title": title,
                "participants": participants,
                "materials_distributed": materials,
                "people_trained": trained,
                "venue": venue,
            }
            for kind, day, title, participants, materials, trained, venue in ACTIVITIES
        ],
        existing=SafetyActivity.objects.filter(held_on__year=YEAR),
    )


def _write_parks(writer: Writer, firms) -> None:
    writer.rows(
        StandardFactory,
        ("park", "building"),
        [
            {
                "park": park,
                "building": building,
                "area": Decimal(area).quantize(Decimal("0.01")),
                "year_built": year,
                "occupant_id": firms[occupant].pk if occupant is not None else None,
            }
            for park, building, area, year, occupant in FACTORIES
        ],
        existing=StandardFactory.objects.filter(park__in={f[0] for f in FACTORIES}),
    )
    writer.rows(
        ServiceFacility,
        ("name",),
        [
            {"name": name, "kind": kind, "park": PLUSH_PARK, "year": YEAR}
            for name, kind in FACILITIES
        ],
        existing=ServiceFacility.objects.filter(name__in=[name for name, _ in FACILITIES]),
    )
    writer.rows(
        NewInvestor,
        ("enterprise_id",),
        [
            {
                "enterprise_id": firms[key].pk,
                "year": YEAR,
                "investment": Decimal(amount).quantize(Decimal("0.01")),
            }
            for key, amount in NEW_INVESTORS
        ],
        existing=NewInvestor.objects.filter(enterprise__in=[firms[k] for k, _ in NEW_INVESTORS]),
    )
