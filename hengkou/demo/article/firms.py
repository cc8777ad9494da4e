"""The plan of the demo enterprises, from fixed seeds: who they are, their people, their output."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from enterprises.choices import ChainRole
from enterprises.validators import build_credit_code

from .common import (
    ABOVE_SCALE_OUTPUT,
    COMPANY,
    COOPERATIVE,
    FIRST_SERIAL,
    NEW_ABOVE_SCALE_2021,
    PLUSH_CHAIN,
    PLUSH_EMPLOYEES,
    PLUSH_POVERTY_EMPLOYEES,
    PLUSH_ROLES,
    SOLE_TRADER,
    TRADE_NAMES,
    VILLAGES,
    _rng,
    apportion,
    cents,
    month_starts,
)

# --- the plan of enterprises --------------------------------------------------------------------


@dataclass
class Firm:
    """The plan of one demo enterprise."""

    key: str
    name: str
    chain: str
    role: str
    address: str
    prefix: str = COMPANY
    employees: int = 0
    poverty: int = 0
    above: set = field(default_factory=set)  # years above scale
    assigned: set = field(default_factory=set)  # years with an assignment
    output: dict = field(default_factory=dict)  # year -> annual output in hundredths of 万元
    profiles: dict = field(default_factory=dict)  # year -> 12 monthly weights
    missing: set = field(default_factory=set)  # months left without a report
    untargeted: set = field(default_factory=set)  # assigned years deliberately without targets
    serial: int = 0

    @property
    def credit_code(self) -> str:
        return build_credit_code(self.serial, prefix=self.prefix)

    @property
    def sector(self) -> str:
        return "fibre" if self.key == "hengtong" else self.chain


PLUSH_PARK = "安康市恒口示范区毛绒玩具文创产业园"
FOOD_PARK = "安康市恒口示范区大健康富硒食品产业园"
INDUSTRY_PARK = "安康市恒口示范区先进制造业园区"
PARKS = {"富硒食品": FOOD_PARK, PLUSH_CHAIN: PLUSH_PARK}

# The enterprises the article names: key, name, chain, role, employees.
NAMED_FIRMS = (
    ("tongyong", "安康恒口通用机械有限公司", "装备制造", ChainRole.PRODUCER, 168),
    ("hengtong", "安康恒通纤维科技有限公司", PLUSH_CHAIN, ChainRole.PRODUCER, 95),
    ("jiwei", "安康集味魔芋食品有限公司", "富硒食品", ChainRole.PRODUCER, 86),
    ("hengan", "安康恒安玩具有限公司", PLUSH_CHAIN, ChainRole.PRODUCER, 1046),
    ("hairun", "安康海润恒昶精密制造有限公司", "装备制造", ChainRole.PRODUCER, 210),
    ("xinan", "安康鑫安环保建材有限公司", "新型建材", ChainRole.PRODUCER, 120),
    ("anbeisi", "安贝斯玩具科创（安康）有限公司", PLUSH_CHAIN, ChainRole.HEADQUARTERS, 75),
    ("boxuda", "安康博旭达机械制造有限公司", "装备制造", ChainRole.PRODUCER, 96),
)
# Annual output (万元) of the named enterprises that are above scale in 2021; the article gives
# 恒安玩具 2.5亿元, and 恒通纤维 产值2.1亿 in 2021, the year it went into production (March).
NAMED_OUTPUT_2021 = {
    "hengan": 25000,
    "hengtong": 21000,
    "hairun": 16000,
    "tongyong": 11000,
    "xinan": 9000,
    "jiwei": 4800,
    "anbeisi": 12000,
    "boxuda": 6500,
}
# The three new above-scale enterprises of 2021 were below the threshold (20 million) in 2020.
NEW_OUTPUT_2020 = {"hengtong": 0, "tongyong": 1650, "jiwei": 1720}

# Generated above-scale enterprises outside the plush-toy chain: chain and name templates.
OTHER_SECTORS = (
    (
        "富硒食品",
        ("安康{}富硒食品有限公司", "安康{}富硒茶业有限公司", "安康{}粮油有限公司")
        + ("安康{}生态农业开发有限公司", "安康{}魔芋制品有限公司"),
    ),
    (
        "新型建材",
        ("安康{}新型建材有限公司", "安康{}商品混凝土有限公司", "安康{}砂石材料有限公司")
        + ("安康{}新型墙体材料有限公司", "安康{}石材有限公司"),
    ),
    (
        "装备制造",
        ("安康{}机械制造有限公司", "安康{}汽车零部件有限公司", "安康{}电子科技有限公司")
        + ("安康{}精密铸造有限公司", "安康{}电力设备有限公司"),
    ),
    ("纺织服装", ("安康{}服饰有限公司", "安康{}鞋业有限公司", "安康{}纺织有限公司")),
    ("生物医药", ("安康{}药业有限公司", "安康{}生物科技有限公司")),
)
PLUSH_TEMPLATES = {
    ChainRole.PRODUCER: ("安康{}玩具有限公司", "安康{}毛绒玩具有限公司", "安康{}工艺品有限公司"),
    ChainRole.WHOLESALER: ("恒口{}玩具辅料经营部", "安康{}纺织辅料有限公司", "恒口{}玩具配件商行"),
    ChainRole.ECOMMERCE_DESIGN: (
        "安康{}电子商务有限公司",
        "安康{}文化创意设计有限公司",
        "恒口{}文创设计工作室",
    ),
}
# Employee weights by role, drawn before the chain is scaled to exactly 3,107 employees.
EMPLOYEE_RANGES = {
    "plush_above": (100, 160),
    ChainRole.PRODUCER: (8, 40),
    ChainRole.WHOLESALER: (2, 8),
    ChainRole.BRANCH_FACTORY: (15, 60),
    ChainRole.ECOMMERCE_DESIGN: (3, 15),
}
POVERTY_SHARE = {
    ChainRole.HEADQUARTERS: 0.05,
    ChainRole.PRODUCER: 0.10,
    ChainRole.WHOLESALER: 0.03,
    ChainRole.BRANCH_FACTORY: 0.30,
    ChainRole.ECOMMERCE_DESIGN: 0.05,
}
# The plush-toy chain's above-scale enterprises are the article's own three (恒安, 恒通, 安贝斯):
# with more, the chain's reported output of 2020 and 2021 alone would pass the article's
# cumulative 10.98亿 since July 2018 (hengkou/demo/facts.py). The other 32 are of other chains.
PLUSH_ABOVE_SCALE_PRODUCERS = 0
OTHER_ABOVE_SCALE = 32
# Output per employee (万元 a year) of the generated enterprises outside the chain.
OUTPUT_PER_EMPLOYEE = {
    "富硒食品": 60,
    "新型建材": 110,
    "装备制造": 75,
    "纺织服装": 35,
    "生物医药": 70,
}
# Growth from 2020 to 2021 of named enterprises, so that those with new plants or lines grow.
NAMED_GROWTH = {"hengan": 1.16, "hairun": 1.22, "xinan": 1.15, "anbeisi": 1.10, "boxuda": 1.08}

PROFILES = {
    # 2020: the epidemic stopped most plants in February and March.
    2020: (0.80, 0.35, 0.70, 0.95, 1.00, 1.05, 1.00, 1.00, 1.05, 1.10, 1.10, 1.25),
    2021: (0.95, 0.70, 1.00, 1.00, 1.02, 1.05, 1.00, 1.00, 1.05, 1.05, 1.08, 1.20),
}


def _trade_name_pool() -> list[str]:
    pool = list(dict.fromkeys(TRADE_NAMES))
    _rng("trade-names").shuffle(pool)
    return pool


def plan_firms() -> list[Firm]:
    """Return the demo enterprises with their employees, titles, assignments and annual output."""
    rng = _rng("enterprises")
    trade = _trade_name_pool()
    firms: list[Firm] = []
    by_key: dict[str, Firm] = {}

    def add(firm: Firm) -> Firm:
        firm.serial = FIRST_SERIAL + len(firms)
        if firm.key in by_key:
            raise ValueError(f"duplicate firm {firm.key}")
        firms.append(firm)
        by_key[firm.key] = firm
        return firm

    for key, name, chain, role, employees in NAMED_FIRMS:
        add(
            Firm(
                key=key,
                name=name,
                chain=chain,
                role=role,
                address=PARKS.get(chain, INDUSTRY_PARK),
                employees=employees,
            )
        )

    # The plush-toy chain: the article's 96 enterprises by role.
    plush_new = []
    for role, count in PLUSH_ROLES.items():
        already = sum(1 for f in firms if f.chain == PLUSH_CHAIN and f.role == role)
        for n in range(count - already):
            if role == ChainRole.BRANCH_FACTORY:
                village = VILLAGES[n]
                name, prefix = f"恒口示范区{village}毛绒玩具支部工厂", SOLE_TRADER
                address = f"安康市恒口示范区{village}"
            else:
                template = PLUSH_TEMPLATES[role][n % len(PLUSH_TEMPLATES[role])]
                name = template.format(trade.pop())
                prefix = SOLE_TRADER if name.startswith("恒口") else COMPANY
                address = PLUSH_PARK
            plush_new.append(
                add(
                    Firm(
                        key=f"plush-{role}-{n + 1:02d}",
                        name=name,
                        chain=PLUSH_CHAIN,
                        role=role,
                        address=address,
                        prefix=prefix,
                    )
                )
            )
    producers = [f for f in plush_new if f.role == ChainRole.PRODUCER]
    plush_above = producers[:PLUSH_ABOVE_SCALE_PRODUCERS]
    small_plush = producers[PLUSH_ABOVE_SCALE_PRODUCERS : PLUSH_ABOVE_SCALE_PRODUCERS + 2]
    small_branch = next(f for f in plush_new if f.role == ChainRole.BRANCH_FACTORY)

    # Other chains: above-scale enterprises, one that dropped below the threshold, small ones.
    other_above = []
    for n in range(OTHER_ABOVE_SCALE):
        chain, templates = OTHER_SECTORS[n % len(OTHER_SECTORS)]
        template = templates[(n // len(OTHER_SECTORS)) % len(templates)]
        firm = Firm(
            key=f"other-{n + 1:02d}",
            name=template.format(trade.pop()),
            chain=chain,
            role=ChainRole.PRODUCER,
            address=PARKS.get(chain, INDUSTRY_PARK),
        )
        other_above.append(add(firm))
    dropped = add(
        Firm(
            key="dropped",
            name=f"安康{trade.pop()}建材有限公司",
            chain="新型建材",
            role=ChainRole.PRODUCER,
            address=INDUSTRY_PARK,
            employees=45,
        )
    )
    coop = add(
        Firm(
            key="coop",
            name=f"安康{trade.pop()}富硒茶专业合作社",
            chain="富硒食品",
            role=ChainRole.PRODUCER,
            address=FOOD_PARK,
            prefix=COOPERATIVE,
            employees=18,
        )
    )
    workshop = add(
        Firm(
            key="machining",
            name=f"安康{trade.pop()}机械加工有限公司",
            chain="装备制造",
            role=ChainRole.PRODUCER,
            address=INDUSTRY_PARK,
            employees=26,
        )
    )

    _plan_plush_people(
        rng, [f for f in firms if f.chain == PLUSH_CHAIN], {f.key for f in plush_above}
    )

    # Titles and assignments.
    above_2021 = [by_key[k] for k in NAMED_OUTPUT_2021] + plush_above + other_above
    for firm in above_2021:
        firm.above.add(2021)
        if firm.key not in NEW_ABOVE_SCALE_2021:
            firm.above.add(2020)
    dropped.above.add(2020)
    small = [*small_plush, small_branch, coop, workshop]
    for firm in [*above_2021, dropped, *small]:
        firm.assigned.add(2021)
        if firm.key != "hengtong":
            firm.assigned.add(2020)
    coop.untargeted.update({2020, 2021})
    small_branch.untargeted.add(2021)
    # Two small enterprises have not reported the last months of 2021 yet.
    coop.missing.update(month_starts(2021, 11))
    small_plush[0].missing.add(datetime.date(2021, 12, 1))

    _plan_output(rng, above_2021, [dropped, *small])
    for firm in firms:
        if firm.chain == PLUSH_CHAIN:
            continue
        if not firm.employees:
            per_employee = OUTPUT_PER_EMPLOYEE[firm.chain] * rng.uniform(0.8, 1.25)
            firm.employees = round(firm.output[2021] / 100 / per_employee)
        firm.poverty = firm.employees * rng.randint(0, 8) // 100
    return firms


def _plan_plush_people(rng: random.Random, chain: list[Firm], above: set) -> None:
    """Give the chain exactly the article's 3,107 employees, 378 of them out of poverty."""
    fixed = {f.key: f.employees for f in chain if f.employees}
    free = [f for f in chain if not f.employees]
    weights = [
        rng.randint(*EMPLOYEE_RANGES["plush_above" if f.key in above else f.role]) for f in free
    ]
    for firm, people in zip(
        free, apportion(PLUSH_EMPLOYEES - sum(fixed.values()), weights), strict=True
    ):
        firm.employees = max(people, 1)
    if sum(f.employees for f in chain) != PLUSH_EMPLOYEES:
        raise ValueError("the plush-toy chain's employees do not add up")
    poverty_weights = [f.employees * POVERTY_SHARE[f.role] * rng.uniform(0.6, 1.4) for f in chain]
    caps = [f.employees for f in chain]
    for firm, people in zip(
        chain, apportion(PLUSH_POVERTY_EMPLOYEES, poverty_weights, caps), strict=True
    ):
        firm.poverty = people


def _monthly_profile(rng: random.Random, year: int) -> list[float]:
    return [w * rng.uniform(0.9, 1.1) for w in PROFILES[year]]


def _plan_output(rng: random.Random, above_2021: list[Firm], others: list[Firm]) -> None:
    """Set the annual output of every reporting enterprise; the above-scale sums are exact."""
    free = [f for f in above_2021 if f.key not in NAMED_OUTPUT_2021]
    fixed_2021 = sum(cents(v) for v in NAMED_OUTPUT_2021.values())
    weights = [
        rng.uniform(2600, 6000) if f.chain == PLUSH_CHAIN else rng.uniform(3000, 11000)
        for f in free
    ]
    shares = apportion(cents(ABOVE_SCALE_OUTPUT[2021]) - fixed_2021, weights)
    for firm, share in zip(free, shares, strict=True):
        firm.output[2021] = share
    for key, value in NAMED_OUTPUT_2021.items():
        next(f for f in above_2021 if f.key == key).output[2021] = cents(value)

    # 2020 of the same enterprises: the new three as given, the others shrunk by their growth.
    grown = [f for f in above_2021 if f.key not in NEW_OUTPUT_2020]
    fixed_2020 = sum(cents(v) for v in NEW_OUTPUT_2020.values())
    weights = [f.output[2021] / NAMED_GROWTH.get(f.key, rng.uniform(0.97, 1.20)) for f in grown]
    shares = apportion(cents(ABOVE_SCALE_OUTPUT[2020]) - fixed_2020, weights)
    for firm, share in zip(grown, shares, strict=True):
        firm.output[2020] = share
    for firm in above_2021:
        if firm.key in NEW_OUTPUT_2020 and NEW_OUTPUT_2020[firm.key]:
            firm.output[2020] = cents(NEW_OUTPUT_2020[firm.key])

    for firm in others:
        if firm.key == "dropped":
            firm.output = {2020: cents(2315), 2021: cents(1480)}
        else:
            # Small enterprises: about 20-45万元 a year per employee, growing or shrinking a little.
            output_2020 = firm.employees * rng.randint(2000, 4500)
            firm.output = {2020: output_2020, 2021: round(output_2020 * rng.uniform(0.85, 1.25))}

    for firm in above_2021 + others:
        for year in firm.output:
            firm.profiles[year] = _monthly_profile(rng, year)
            if firm.key == "hengtong" and year == 2021:
                # PP cotton went into production in March 2021 and ramped up.
                firm.profiles[year][:3] = [0, 0, 0.6]
        for year in firm.above:
            if firm.output.get(year, 0) < cents(2000):
                raise ValueError(f"{firm.name} is above scale in {year} with too small an output")
