"""Build the demo data of the Hengkou zone for 2020 and 2021, reproducing the article's figures.

Everything is planned in memory from fixed random seeds first, then written by natural key, so a
second run finds every row already as planned and writes nothing.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enterprises.choices import (
    ChainRole,
    DepartmentKind,
    Metric,
    OfficialRank,
    ProblemCategory,
    ProblemSeverity,
    TitleKind,
    TitleLevel,
)
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Official,
    Target,
)
from enterprises.services.figures import refresh_monthly_ytd
from enterprises.validators import build_credit_code
from projects.choices import ProjectKind, Stage
from projects.models import Project, ProjectPlan, ProjectReport, StageMove

YEARS = (2020, 2021)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The article's figures in 万元; the demo reproduces them to the cent.
ABOVE_SCALE_OUTPUT = {2020: Decimal("250418.76"), 2021: Decimal("299000.00")}
INVESTMENT_2021 = Decimal("97200.00")
TECH_INVESTMENT = {2020: Decimal("26847.98"), 2021: Decimal("38500.00")}
PLUSH_CHAIN = "毛绒玩具"
PLUSH_ROLES = {
    ChainRole.HEADQUARTERS: 1,
    ChainRole.PRODUCER: 29,
    ChainRole.WHOLESALER: 38,
    ChainRole.BRANCH_FACTORY: 15,
    ChainRole.ECOMMERCE_DESIGN: 13,
}
PLUSH_EMPLOYEES = 3107
PLUSH_POVERTY_EMPLOYEES = 378
NEW_ABOVE_SCALE_2021 = ("hengtong", "jiwei", "tongyong")

COMPANY = "91610902"  # a company registered in Hanbin district (610902), which holds Hengkou
SOLE_TRADER = "92610902"
COOPERATIVE = "93610902"
FIRST_SERIAL = 57_090_001

LEADING_OFFICE = "HK03"
INVESTMENT_OFFICE = "HK10"
DEPARTMENTS = (
    ("HK01", "经济委、局", DepartmentKind.ECONOMIC_BUREAU, "主任"),
    ("HK02", "抓落实办", DepartmentKind.SUPERVISION_OFFICE, "主任"),
    ("HK03", "包抓重点工业企业工作领导小组办公室", DepartmentKind.LEADING_OFFICE, "主任"),
    ("HK04", "党政办", DepartmentKind.SPONSOR, "主任"),
    ("HK05", "财政局", DepartmentKind.SPONSOR, "局长"),
    ("HK06", "自然资源局", DepartmentKind.SPONSOR, "局长"),
    ("HK07", "住建局", DepartmentKind.SPONSOR, "局长"),
    ("HK08", "农业农村局", DepartmentKind.SPONSOR, "局长"),
    ("HK09", "社会事务局", DepartmentKind.SPONSOR, "局长"),
    ("HK10", "招商局", DepartmentKind.SPONSOR, "局长"),
    ("HK11", "应急管理局", DepartmentKind.SPONSOR, "局长"),
    ("HK12", "生态环境分局", DepartmentKind.SPONSOR, "局长"),
    ("HK13", "市场监管所", DepartmentKind.SPONSOR, "所长"),
)
LEADER_TITLES = (
    "党工委书记",
    "管委会主任",
    "党工委副书记",
    "管委会常务副主任",
    "管委会副主任",
    "党工委委员、管委会副主任",
)


def _words(text: str) -> tuple[str, ...]:
    """Return the space-separated words of ``text``."""
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤"
)
GIVEN_NAMES = _words(
    "建国 志强 海燕 丽娟 文斌 晓东 红梅 立新 宏伟 春燕 建华 秀兰 明亮 国强 小龙 玉梅 永红 德明 "
    "俊杰 思远 雅琴 晓燕 振华 学军 亚平 卫东 新民 金华 丽萍 少华 玉洁 浩然 文静 云飞 秋菊 光荣 "
    "家乐 爱民 春生 志刚 佳怡 红霞 建平 国栋 海涛 小梅 荣华 德胜 天明 伟 静 涛 磊 敏 军 勇 芳 "
    "娜 鹏 超 洁 斌 莉 刚 颖 宁 峰"
)
TRADE_NAMES = _words(
    "恒兴 瑞丰 嘉禾 鑫源 华阳 金秋 月河 汉江 秦巴 凤堰 吉祥 福满 童趣 乐萌 悦童 萌宝 星缘 锦绣 "
    "德润 宏达 天泽 博远 盛世 祥和 兴旺 永昌 富康 安泰 和顺 旭日 春晖 宇航 明辉 华瑞 信诚 通达 "
    "润丰 佳美 尚品 鼎盛 恒信 泰和 同心 众鑫 海纳 长青 绿源 康健 立达 广源 汇通 开元 万家 百川 "
    "千禧 福瑞 鸿运 金鼎 银河 玉泉 青山 碧水 东升 西岭 南山 北辰 中和 巴山 秦岭 汉水 紫阳 金州 "
    "兴安 瀛湖 香溪 龙泉 凤凰 麒麟 白鹭 喜鹊 彩虹 晨光 朝阳 星辰 明月 清风 翠竹 红枫 金桂 银杏 "
    "丰泽 盈科 恒达 晟达 嘉诚 俊达 卓越 创新 启航 远航 聚福 聚源 合力 协力 众诚 诚信 宝丰 益民 "
    "惠民 利民 新辉 新源 新星 新宇 宏图 宏盛 宏源 华泰 华兴 华鑫 金诺 金辉 金盛 瑞祥 瑞达 瑞源 "
    "天和 天宇 天成 永安 永兴 永泰 恒昌 恒瑞 恒泰 鸿达 鸿泰 鸿福"
)
VILLAGES = _words(
    "东坝村 梧桐村 余岭村 杨家坝村 新桥村 光明村 中坝村 兴隆村 长胜村 荣河村 瓦铺村 太平村 "
    "金星村 柳林村 双桥村"
)


# --- small helpers ------------------------------------------------------------------------------


def _rng(section: str) -> random.Random:
    # One stream per section, so that changing one section leaves the others' data as it was.
    return random.Random(f"hengkou-demo/{section}")


def money(cents: int) -> Decimal:
    """Return the Decimal of an amount given in hundredths (of 万元)."""
    return Decimal(cents).scaleb(-2)


def cents(amount) -> int:
    """Return an amount of 万元 as an integer number of hundredths."""
    return int(Decimal(str(amount)) * 100)


def apportion(total: int, weights, caps=None) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights`` by largest remainders, within caps.

    The parts are integers that add up to ``total`` exactly; a part with weight 0 gets 0.
    """
    weights = [Fraction(w) for w in weights]
    shares = [0] * len(weights)
    active = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    while True:
        if not active:
            if remaining:
                raise ValueError("nothing to apportion the total over")
            return shares
        weight_sum = sum(weights[i] for i in active)
        exact = {i: weights[i] * remaining / weight_sum for i in active}
        over = [i for i in active if caps is not None and exact[i] > caps[i]]
        if not over:
            break
        for i in over:
            shares[i] = caps[i]
            remaining -= caps[i]
            active.remove(i)
    floors = {i: math.floor(exact[i]) for i in active}
    leftover = remaining - sum(floors.values())
    for i in sorted(active, key=lambda i: (floors[i] - exact[i], i))[:leftover]:
        floors[i] += 1
    for i, share in floors.items():
        shares[i] = share
    return shares


def month_starts(year: int, first: int = 1, last: int = 12) -> list[datetime.date]:
    """Return the first days of months ``first``..``last`` of ``year``."""
    return [datetime.date(year, m, 1) for m in range(first, last + 1)]


def next_month(day: datetime.date) -> datetime.date:
    """Return the first day of the month after the one holding ``day``."""
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """Return a time of ``day`` in Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def month_end(first: datetime.date) -> datetime.date:
    """Return the last day of the month starting on ``first``."""
    return next_month(first) - datetime.timedelta(days=1)


# --- writing by natural key ---------------------------------------------------------------------


@dataclass
class Tally:
    """What one run did to one model."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


DEMO_CHANGE_REASON = "demo data"


def _has_history(model) -> bool:
    """Whether ``model`` keeps an audit trail (django-simple-history)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


class Writer:
    """Create or update rows by natural key; rows already as planned are left untouched."""

    def __init__(self):
        self.tallies: dict[str, Tally] = {}

    def rows(self, model, key, rows, *, existing, validation="full"):
        """Write ``rows`` (dicts of attribute values) of ``model``; return {natural key: object}.

        ``existing`` is the queryset that may hold rows of the same keys. ``validation`` is
        ``full`` (full_clean), ``local`` (no uniqueness or constraint queries: the database
        enforces them) or ``fields`` (field validators only).
        """
        tally = self.tallies.setdefault(model.__name__, Tally())
        found = {tuple(getattr(obj, name) for name in key): obj for obj in existing}
        result, new, changed, changed_fields = {}, [], [], set()
        for row in rows:
            natural_key = tuple(row[name] for name in key)
            if natural_key in result:
                raise ValueError(f"duplicate {model.__name__} {natural_key}")
            obj = found.get(natural_key)
            if obj is None:
                obj = model(**row)
                new.append(obj)
            else:
                diff = [name for name, value in row.items() if getattr(obj, name) != value]
                for name in diff:
                    setattr(obj, name, row[name])
                if diff:
                    changed.append(obj)
                    changed_fields.update(diff)
                else:
                    tally.unchanged += 1
            result[natural_key] = obj
        for obj in new + changed:
            if validation == "full":
                obj.full_clean()
            elif validation == "local":
                obj.full_clean(validate_unique=False, validate_constraints=False)
            else:
                obj.clean_fields()
        audited = _has_history(model)
        if audited and new:
            # The audit trail: bulk_create and bulk_update write no history by themselves.
            bulk_create_with_history(
                new, model, batch_size=500, default_change_reason=DEMO_CHANGE_REASON
            )
        else:
            model.objects.bulk_create(new, batch_size=500)
        if changed:
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                now = timezone.now()
                for obj in changed:
                    obj.updated_at = now
                changed_fields.add("updated_at")
            if audited:
                bulk_update_with_history(
                    changed,
                    model,
                    sorted(changed_fields),
                    batch_size=500,
                    default_change_reason=DEMO_CHANGE_REASON,
                )
            else:
                model.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
        tally.created += len(new)
        tally.updated += len(changed)
        return result

    def links(self, label, through, owner, target, wanted):
        """Make the many-to-many links of each owner id in ``wanted`` exactly its set of ids."""
        tally = self.tallies.setdefault(label, Tally())
        have = defaultdict(set)
        pairs = through.objects.filter(**{f"{owner}_id__in": list(wanted)}).values_list(
            f"{owner}_id", f"{target}_id"
        )
        for owner_id, target_id in pairs:
            have[owner_id].add(target_id)
        new = [
            through(**{f"{owner}_id": owner_id, f"{target}_id": target_id})
            for owner_id, target_ids in wanted.items()
            for target_id in sorted(target_ids - have[owner_id])
        ]
        through.objects.bulk_create(new, batch_size=500)
        for owner_id, target_ids in wanted.items():
            extra = have[owner_id] - target_ids
            if extra:
                through.objects.filter(
                    **{f"{owner}_id": owner_id, f"{target}_id__in": sorted(extra)}
                ).delete()
                tally.deleted += len(extra)
            tally.unchanged += len(have[owner_id] & target_ids)
        tally.created += len(new)


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
# 恒安玩具 2.5亿元, and 恒通纤维 produces from March 2021 (2.1亿元 a full year).
NAMED_OUTPUT_2021 = {
    "hengan": 25000,
    "hengtong": 14600,
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
PLUSH_ABOVE_SCALE_PRODUCERS = 6
OTHER_ABOVE_SCALE = 26
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


# --- writing the plan ---------------------------------------------------------------------------


def write_article(writer: Writer):
    """Write the article's enterprises, sponsorships, figures and projects of 2020–2021.

    Return the sponsorships by (firm key, year), the departments by code and the people, which
    the year's routine (``routine.write_routine``) goes on from.
    """
    departments = _write_departments(writer)
    officials = _write_officials(writer, departments)
    firms = plan_firms()
    enterprises = _write_enterprises(writer, firms)
    _write_titles(writer, firms, enterprises)
    actuals = _write_monthly_reports(writer, firms, enterprises)
    # Bulk writes bypass the report service, so the rollup is brought up to date here.
    refresh_monthly_ytd(
        enterprise_ids=[enterprise.pk for enterprise in enterprises.values()],
        years=[2020, 2021],
    )
    targets = _write_targets(writer, firms, enterprises, actuals)
    assignments = _write_assignments(writer, firms, enterprises, departments, officials, targets)
    _write_projects(writer, enterprises, departments, officials, assignments)
    return assignments, departments, officials


@dataclass
class People:
    """The demo officials, by role."""

    leaders: list
    heads: dict  # department code -> head
    staff: dict  # department code -> list of staff


def _write_departments(writer: Writer) -> dict[str, Department]:
    rows = [{"code": code, "name": name, "kind": kind} for code, name, kind, _ in DEPARTMENTS]
    written = writer.rows(
        Department,
        ("code",),
        rows,
        existing=Department.objects.filter(code__in=[r["code"] for r in rows]),
    )
    return {code: obj for (code,), obj in written.items()}


def _write_officials(writer: Writer, departments: dict[str, Department]) -> People:
    rng = _rng("officials")
    used: set[str] = set()

    def person() -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            if name not in used:
                used.add(name)
                return name

    rows = []
    leader_names = []
    for title in LEADER_TITLES:
        leader_names.append(person())
        rows.append(
            {
                "department_id": departments[LEADING_OFFICE].pk,
                "name": leader_names[-1],
                "rank": OfficialRank.COUNTY_LEADER,
                "title": title,
            }
        )
    plan: dict[str, tuple[str, list[str]]] = {}
    for code, _name, kind, head_title in DEPARTMENTS:
        head = person()
        count = rng.randint(2, 4) if kind == DepartmentKind.SPONSOR else 1
        staff = [person() for _ in range(count)]
        plan[code] = (head, staff)
        dept_id = departments[code].pk
        rows.append(
            {
                "department_id": dept_id,
                "name": head,
                "rank": OfficialRank.DEPARTMENT_HEAD,
                "title": head_title,
            }
        )
        for n, name in enumerate(staff):
            title = ("副" + head_title) if n == 0 and kind == DepartmentKind.SPONSOR else "干部"
            rows.append(
                {"department_id": dept_id, "name": name, "rank": OfficialRank.STAFF, "title": title}
            )
    written = writer.rows(
        Official,
        ("department_id", "name"),
        rows,
        existing=Official.objects.filter(department__in=departments.values()),
    )

    def official(code: str, name: str) -> Official:
        return written[(departments[code].pk, name)]

    return People(
        leaders=[official(LEADING_OFFICE, name) for name in leader_names],
        heads={code: official(code, head) for code, (head, _) in plan.items()},
        staff={code: [official(code, n) for n in staff] for code, (_, staff) in plan.items()},
    )


def _write_enterprises(writer: Writer, firms: list[Firm]) -> dict[str, Enterprise]:
    rows = [
        {
            "credit_code": firm.credit_code,
            "name": firm.name,
            "chain": firm.chain,
            "chain_role": firm.role,
            "employees": firm.employees,
            "poverty_employees": firm.poverty,
            "address": firm.address,
        }
        for firm in firms
    ]
    written = writer.rows(
        Enterprise,
        ("credit_code",),
        rows,
        existing=Enterprise.objects.filter(credit_code__in=[r["credit_code"] for r in rows]),
    )
    return {firm.key: written[(firm.credit_code,)] for firm in firms}


def _write_titles(writer: Writer, firms: list[Firm], enterprises) -> None:
    rows = [
        {"enterprise_id": enterprises[f.key].pk, "title": TitleKind.ABOVE_SCALE, "year": year}
        for f in firms
        for year in sorted(f.above)
    ]
    # 集味魔芋 was newly recognised as a provincial high-tech enterprise in 2021.
    rows.append(
        {
            "enterprise_id": enterprises["jiwei"].pk,
            "title": TitleKind.HIGH_TECH,
            "year": 2021,
            "level": TitleLevel.PROVINCIAL,
        }
    )
    for row in rows:
        row.setdefault("level", TitleLevel.NONE)
    writer.rows(
        EnterpriseTitle,
        ("enterprise_id", "title", "year"),
        rows,
        existing=EnterpriseTitle.objects.filter(enterprise__in=enterprises.values()),
    )


@dataclass
class Sponsorship:
    """An assignment as written, with the people the later sections need."""

    firm_key: str
    year: int
    enterprise: Enterprise
    department: Department
    leader: Official
    responsible: Official
    head: Official
    team: list


PLAN_STANDARDS = (
    "县级领导每季度到企帮扶不少于1次，部门主要负责人每月到企帮扶不少于1次，"
    "帮扶责任人每周到企帮扶不少于1次，紧急事项随时到企；"
    "企业诉求1日内交办、3日内反馈、7日内办结（重大事项30日内）；"
    "每月5日前报送工业经济指标，按时向领导小组办公室报送工作开展情况。"
)


def _plan_goals(firm: Firm, year: int, target: int | None) -> str:
    if target:
        parts = [f"{year}年实现工业总产值{target // 100}万元"]  # targets are whole 10万元
    else:
        parts = ["稳定生产经营，按月报送工业经济指标"]
    if year in firm.above:
        parts.append("稳定在规模以上工业企业库")
    elif firm.key in NEW_ABOVE_SCALE_2021:
        parts.append(f"指导完善统计台账，力争{year + 1}年入库纳统")
    parts.append("做好安全生产、环境保护、工资发放和疫情防控工作")
    if firm.key in ("jiwei", "boxuda"):
        parts.append("指导完善高新技术企业认定资料")
    if firm.key == "hairun":
        parts.append("指导准备“专精特新”企业申报资料")
    return "；".join(parts) + "。"


def _write_assignments(writer, firms, enterprises, departments, people: People, targets):
    rng = _rng("assignments")
    sponsors = [code for code, _, kind, _ in DEPARTMENTS if kind == DepartmentKind.SPONSOR]
    assigned = [f for f in firms if f.assigned]
    order = assigned[:]
    rng.shuffle(order)
    dept_2021 = {f.key: sponsors[n % len(sponsors)] for n, f in enumerate(order)}
    # A handful of enterprises changed sponsoring department between the two years.
    movers = rng.sample(sorted(f.key for f in assigned if 2020 in f.assigned), 4)
    dept_of = {}
    for firm in assigned:
        dept_of[(firm.key, 2021)] = dept_2021[firm.key]
        dept_of[(firm.key, 2020)] = (
            rng.choice([c for c in sponsors if c != dept_2021[firm.key]])
            if firm.key in movers
            else dept_2021[firm.key]
        )
    leader_of = {f.key: rng.choice(people.leaders) for f in assigned}

    rows, teams, plans = [], {}, []
    for firm in assigned:
        for year in sorted(firm.assigned):
            code = dept_of[(firm.key, year)]
            staff = people.staff[code]
            responsible = rng.choice(staff)
            team = [responsible, people.heads[code]]
            others = [s for s in staff if s is not responsible]
            if others and rng.random() < 0.5:
                team.append(rng.choice(others))
            rows.append(
                {
                    "enterprise_id": enterprises[firm.key].pk,
                    "year": year,
                    "leader_id": leader_of[firm.key].pk,
                    "department_id": departments[code].pk,
                    "responsible_id": responsible.pk,
                    "plan_goals": _plan_goals(firm, year, targets.get((firm.key, year))),
                    "plan_standards": PLAN_STANDARDS,
                    "plan_deadline": datetime.date(year, 12, 31),
                }
            )
            teams[(enterprises[firm.key].pk, year)] = team
            plans.append((firm, year, code, responsible, team))
    written = writer.rows(
        Assignment,
        ("enterprise_id", "year"),
        rows,
        existing=Assignment.objects.filter(enterprise__in=enterprises.values()),
    )
    writer.links(
        "Assignment.team",
        Assignment.team.through,
        "assignment",
        "official",
        {written[key].pk: {o.pk for o in team} for key, team in teams.items()},
    )
    result = {}
    for firm, year, code, responsible, team in plans:
        enterprise = enterprises[firm.key]
        result[(firm.key, year)] = Sponsorship(
            firm_key=firm.key,
            year=year,
            enterprise=enterprise,
            department=departments[code],
            leader=leader_of[firm.key],
            responsible=responsible,
            head=people.heads[code],
            team=team,
        )
    return result


# Electricity (万千瓦时 per 万元 of output) and monthly wage (元 per person) by sector.
INTENSITY = {
    "fibre": 0.12,
    PLUSH_CHAIN: 0.015,
    "富硒食品": 0.04,
    "新型建材": 0.20,
    "装备制造": 0.05,
    "纺织服装": 0.02,
    "生物医药": 0.03,
}
WAGES = {
    PLUSH_CHAIN: (3600, 4200),
    "fibre": (4000, 4600),
    "富硒食品": (3500, 4200),
    "新型建材": (4200, 5000),
    "装备制造": (4500, 5500),
    "纺织服装": (3600, 4300),
    "生物医药": (4500, 5600),
}


def firm_report_rows(rng: random.Random, firm: Firm, enterprise_id: int):
    """Yield (year, row) for each planned month of ``firm.output``'s years, missing ones left out.

    The random draws per month do not depend on which months are missing, so a row is the same
    whichever months are written.
    """
    wage_low, wage_high = WAGES[firm.sector]
    wage = rng.randint(wage_low, wage_high)
    start = 0.35 if firm.key == "hengtong" else rng.uniform(0.78, 0.95)
    months = [p for year in sorted(firm.output) for p in month_starts(year)]
    for year in sorted(firm.output):
        outputs = apportion(firm.output[year], firm.profiles[year])
        for period, output in zip(month_starts(year), outputs, strict=True):
            step = months.index(period) / max(len(months) - 1, 1)
            level = start + (1 - start) * step
            if period == months[-1]:
                employees = firm.employees
            else:
                employees = max(1, round(firm.employees * level * rng.uniform(0.985, 1.015)))
            bonus = 1.3 if period.month == 12 else 1.0
            electricity = output * INTENSITY[firm.sector] * rng.uniform(0.9, 1.1)
            row = {
                "enterprise_id": enterprise_id,
                "period": period,
                "output_value": money(output),
                "value_added": money(output * rng.randint(2500, 3000) // 10000),
                "revenue": money(output * rng.randint(9300, 10500) // 10000),
                "profit": money(output * rng.randint(-150, 900) // 10000),
                "tax": money(output * rng.randint(200, 400) // 10000),
                "employees": employees,
                "wages": money(int(employees * wage * bonus) // 100),
                "electricity": money(max(int(electricity), 150 if output == 0 else 1)),
                "submitted_at": _submitted_at(rng, period),
            }
            if period not in firm.missing:
                yield year, row


def _write_monthly_reports(writer: Writer, firms, enterprises) -> dict:
    """Write the monthly figures; return annual sums by (firm key, year) and metric, in cents."""
    rng = _rng("monthly-reports")
    rows = []
    actuals: dict = defaultdict(lambda: defaultdict(int))
    for firm in firms:
        if not firm.output:
            continue
        for year, row in firm_report_rows(rng, firm, enterprises[firm.key].pk):
            rows.append(row)
            for metric in Metric.values:
                if metric != Metric.EMPLOYEES:
                    actuals[(firm.key, year)][metric] += cents(row[metric])
    writer.rows(
        MonthlyReport,
        ("enterprise_id", "period"),
        rows,
        existing=MonthlyReport.objects.filter(enterprise__in=enterprises.values()),
        validation="local",
    )
    return actuals


def _submitted_at(rng: random.Random, period: datetime.date) -> datetime.datetime:
    # Most reports arrive by the 5th of the next month; about one in ten comes on the 6th, in the
    # morning before the month is closed (at 11:00). The draws are the same either way.
    day = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 12)
    hour, minute = rng.randint(8, 18), rng.randint(0, 59)
    if day > 5:
        day, hour = 6, 8 + hour % 3
    return at(next_month(period).replace(day=day), hour, minute)


def _write_targets(writer: Writer, firms, enterprises, actuals) -> dict:
    """Write the annual targets; return the output targets by (firm key, year), in cents."""
    rng = _rng("targets")
    rows, output_targets = [], {}
    for firm in firms:
        for year in sorted(firm.assigned - firm.untargeted):
            actual = actuals[(firm.key, year)]
            metrics = [Metric.OUTPUT_VALUE]
            if rng.random() < 0.35:
                metrics += [Metric.VALUE_ADDED, Metric.REVENUE, Metric.TAX]
            for metric in metrics:
                # Targets are set at the start of the year; outcomes land within -11%..+18% of
                # them, so that some departments finish ahead of time progress and some behind.
                planned = actual[metric] * rng.uniform(0.85, 1.12)
                step = 1000 if metric != Metric.TAX else 100  # 10万元, or 1万元 for tax
                value = max(step, round(planned / step) * step)
                if metric == Metric.OUTPUT_VALUE:
                    output_targets[(firm.key, year)] = value
                rows.append(
                    {
                        "enterprise_id": enterprises[firm.key].pk,
                        "year": year,
                        "metric": metric,
                        "value": money(value),
                    }
                )
    writer.rows(
        Target,
        ("enterprise_id", "year", "metric"),
        rows,
        existing=Target.objects.filter(enterprise__in=enterprises.values()),
        validation="local",
    )
    return output_targets


# --- projects -----------------------------------------------------------------------------------


@dataclass
class ProjectSpec:
    """The plan of one demo project."""

    name: str
    kind: str
    firm: str | None
    moves: dict  # stage -> date of the move into it
    investment: dict = field(default_factory=dict)  # year -> weight or exact amount (万元)
    percent_at_end: float = 1.0  # share of the total done by 2021-12 for unfinished projects
    capacity: str = ""
    floor_area: Decimal | None = None
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    description: str = ""
    final_note: str = ""

    @property
    def stage(self) -> str:
        return max(self.moves, key=list(Stage.values).index) if self.moves else Stage.RESERVE


def d(year: int, month: int, day: int) -> datetime.date:
    """Return a date; short for the project table below."""
    return datetime.date(year, month, day)


S, C, OP = Stage.STARTED, Stage.COMPLETED, Stage.OPERATING
PROJECTS = (
    ProjectSpec(
        "通用机械迁建技改项目",
        ProjectKind.RENOVATION,
        "tongyong",
        {S: d(2020, 4, 8), C: d(2021, 6, 25), OP: d(2021, 7, 12)},
        {2020: 19000, 2021: 13000},
        planned_start=d(2020, 4, 1),
        planned_end=d(2021, 6, 30),
        description="整体搬迁至先进制造业园区，新建数控加工和装配生产线，淘汰落后设备。",
    ),
    ProjectSpec(
        "恒通PP棉项目一期",
        ProjectKind.NEW,
        "hengtong",
        {S: d(2020, 5, 12), C: d(2021, 2, 20), OP: d(2021, 3, 1)},
        {2020: 9800, 2021: 6500},
        capacity="年产3万吨",
        planned_start=d(2020, 5, 1),
        planned_end=d(2021, 2, 28),
        description="建设PP棉生产线，填补安康毛绒玩具PP棉生产空白。",
    ),
    ProjectSpec(
        "鑫安环保建材项目",
        ProjectKind.NEW,
        "xinan",
        {S: d(2020, 3, 16), C: d(2021, 4, 28), OP: d(2021, 5, 18)},
        {2020: 7600, 2021: 5200},
        planned_start=d(2020, 3, 1),
        planned_end=d(2021, 4, 30),
        description="建设环保型新型墙体材料生产线。",
    ),
    ProjectSpec(
        "海润恒昶精密制造产业园",
        ProjectKind.NEW,
        "hairun",
        {S: d(2019, 9, 10), C: d(2021, 3, 26), OP: d(2021, 5, 8)},
        {2019: 5200, 2020: 16500, 2021: 8000},
        floor_area=Decimal("36000.00"),
        planned_start=d(2019, 9, 1),
        planned_end=d(2021, 3, 31),
        description="建设精密零部件加工厂房及配套设施。",
    ),
    ProjectSpec(
        "安贝斯文创产业园项目",
        ProjectKind.EXPANSION,
        "anbeisi",
        {S: d(2020, 8, 18)},
        {2020: 6200, 2021: 14000},
        percent_at_end=0.62,
        planned_start=d(2020, 8, 1),
        planned_end=d(2022, 6, 30),
        description="厂房扩建与改造提升，建成后入驻毛绒玩具生产配套企业生产线。",
        final_note="厂房扩建与改造提升，已招商10余家毛绒玩具生产配套企业，待建成后全部入驻生产线",
    ),
    ProjectSpec(
        "魔芋特色产业融合发展项目",
        ProjectKind.NEW,
        "jiwei",
        {S: d(2021, 3, 22)},
        {2021: 9500},
        percent_at_end=0.58,
        floor_area=Decimal("4000.00"),
        planned_start=d(2021, 3, 1),
        planned_end=d(2022, 8, 31),
        description="建设魔芋精深加工厂房和生产线，推动一二三产业融合发展。",
        final_note="已建设厂房4000平方米，正在抓紧采购生产线设备",
    ),
    ProjectSpec(
        "年产20万吨全自动化低碳石英砂项目",
        ProjectKind.NEW,
        None,
        {S: d(2021, 8, 16)},
        {2021: 12000},
        percent_at_end=0.35,
        capacity="年产20万吨",
        planned_start=d(2021, 8, 1),
        planned_end=d(2023, 6, 30),
        description="建设全自动化低碳石英砂生产线。",
    ),
    ProjectSpec(
        "年产1000吨优质大米加工生产线建设项目",
        ProjectKind.NEW,
        None,
        {S: d(2021, 9, 6)},
        {2021: 3500},
        percent_at_end=0.45,
        capacity="年产1000吨",
        planned_start=d(2021, 9, 1),
        planned_end=d(2022, 10, 31),
        description="建设优质富硒大米加工生产线。",
    ),
    ProjectSpec(
        "博旭达机械数控生产线技术改造项目",
        ProjectKind.RENOVATION,
        "boxuda",
        {S: d(2020, 9, 14)},
        {2020: 7850, 2021: 11500},
        percent_at_end=0.78,
        planned_start=d(2020, 9, 1),
        planned_end=d(2022, 3, 31),
        description="引进数控加工中心和智能检测设备，改造提升机械加工生产线。",
    ),
    ProjectSpec(
        "恒安玩具智能化生产线技术改造项目",
        ProjectKind.RENOVATION,
        "hengan",
        {S: d(2021, 3, 10)},
        {2021: 14000},
        percent_at_end=0.70,
        planned_start=d(2021, 3, 1),
        planned_end=d(2022, 5, 31),
        description="引进自动充棉、智能裁床等设备，建设毛绒玩具智能化生产线。",
    ),
    ProjectSpec(
        "毛绒玩具产业园二期标准化厂房项目",
        ProjectKind.NEW,
        None,
        {},
        capacity="",
        floor_area=Decimal("40000.00"),
        planned_start=d(2022, 3, 1),
        planned_end=d(2023, 6, 30),
        description="新建标准化厂房及职工食堂、人才公寓等配套设施。",
    ),
    ProjectSpec(
        "智能毛绒玩具研发生产项目",
        ProjectKind.NEW,
        "anbeisi",
        {},
        planned_start=d(2022, 5, 1),
        planned_end=d(2023, 12, 31),
        description="依托陕西智慧玩具创新中心，研发生产语音互动智能毛绒玩具。",
    ),
    ProjectSpec(
        "富硒食品冷链物流中心项目",
        ProjectKind.NEW,
        None,
        {},
        planned_start=d(2022, 6, 1),
        planned_end=d(2023, 10, 31),
        description="建设富硒食品冷链仓储和物流配送中心。",
    ),
)
# Amounts fixed exactly (hundredths of 万元) per (year, group); the projects' weights split them.
INVESTMENT_TOTALS = {
    (2020, "tech"): cents(TECH_INVESTMENT[2020]),
    (2021, "tech"): cents(TECH_INVESTMENT[2021]),
    (2021, "other"): cents(INVESTMENT_2021 - TECH_INVESTMENT[2021]),
}

BUILD_STEPS = (
    (0, "完成场地平整和临时设施搭建，办理施工许可手续"),
    (12, "基础工程施工，桩基和承台陆续完成"),
    (30, "主体结构施工，钢结构厂房吊装"),
    (50, "厂房主体封顶，开展屋面和墙面围护施工"),
    (68, "内部装修和配套管网施工，生产设备陆续进场"),
    (85, "生产线设备安装调试"),
    (100, "工程竣工验收"),
)
RENOVATION_STEPS = (
    (0, "编制技改方案，旧设备拆除和搬迁"),
    (20, "厂房改造和设备基础施工"),
    (45, "新生产线设备采购，部分设备到货"),
    (65, "设备安装调试"),
    (88, "试生产和工艺优化"),
    (100, "技改完成，通过竣工验收"),
)
SITE_PROBLEMS = (
    "雨季影响施工进度",
    "钢材等建材价格上涨，施工成本增加",
    "部分设备到货延迟",
    "施工用电需增容",
    "用地报批手续尚在办理",
)


def _investment_by_project() -> dict[tuple[str, int], int]:
    """Return each project's investment per year in hundredths, the fixed totals exact."""
    groups = defaultdict(list)
    for spec in PROJECTS:
        group = "tech" if spec.kind == ProjectKind.RENOVATION else "other"
        for year, weight in spec.investment.items():
            groups[(year, group)].append((spec.name, weight))
    result = {}
    for (year, group), members in groups.items():
        weights = [w for _, w in members]
        total = INVESTMENT_TOTALS.get((year, group), sum(cents(w) for w in weights))
        for (name, _), share in zip(members, apportion(total, weights), strict=True):
            result[(name, year)] = share
    return result


def _report_months(spec: ProjectSpec) -> list[datetime.date]:
    """Return the months a project was under construction (from its start to its completion)."""
    if S not in spec.moves:
        return []
    first = spec.moves[S].replace(day=1)
    last = spec.moves[C].replace(day=1) if C in spec.moves else datetime.date(2021, 12, 1)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _write_projects(writer, enterprises, departments, people: People, assignments) -> None:
    rng = _rng("projects")
    amounts = _investment_by_project()
    project_rows, move_rows, plan_rows, report_rows = [], [], [], []
    monthly: dict[str, list[tuple[datetime.date, int]]] = {}
    for spec in PROJECTS:
        months = _report_months(spec)
        parts = []
        for year in sorted({m.year for m in months}):
            in_year = [m for m in months if m.year == year]
            weights = [rng.uniform(0.7, 1.3) * (0.6 if m.month <= 2 else 1) for m in in_year]
            amount = amounts.get((spec.name, year), 0)
            parts += zip(in_year, apportion(amount, weights), strict=True)
        monthly[spec.name] = parts
        done = sum(c for _, c in parts)
        share = 1 if C in spec.moves else spec.percent_at_end
        total = math.ceil(done / share / 10000) * 10000 if done else 0  # whole 100万元
        if not total:
            total = cents(rng.choice((8000, 12000, 15000, 20000)))
        project_rows.append(
            {
                "name": spec.name,
                "enterprise_id": enterprises[spec.firm].pk if spec.firm else None,
                "kind": spec.kind,
                "stage": spec.stage,
                "total_investment": money(total),
                "capacity": spec.capacity,
                "floor_area": spec.floor_area,
                "planned_start": spec.planned_start,
                "planned_end": spec.planned_end,
                "description": spec.description,
            }
        )
    projects = writer.rows(
        Project,
        ("name",),
        project_rows,
        existing=Project.objects.filter(name__in=[spec.name for spec in PROJECTS]),
    )
    by_name = {name: obj for (name,), obj in projects.items()}

    for spec in PROJECTS:
        project = by_name[spec.name]
        previous = Stage.RESERVE
        for stage in (S, C, OP):
            if stage in spec.moves:
                moved_on = spec.moves[stage]
                move_rows.append(
                    {
                        "project_id": project.pk,
                        "from_stage": previous,
                        "to_stage": stage,
                        "moved_on": moved_on,
                        "recorded_at": at(moved_on, 17, 30),
                    }
                )
                previous = stage
        report_rows += _project_reports(rng, spec, project, monthly[spec.name])
        plan_rows += _project_plans(
            rng, spec, project, monthly[spec.name], departments, people, assignments
        )
    writer.rows(
        StageMove,
        ("project_id", "to_stage"),
        move_rows,
        existing=StageMove.objects.filter(project__in=by_name.values()),
    )
    writer.rows(
        ProjectPlan,
        ("project_id", "year"),
        plan_rows,
        existing=ProjectPlan.objects.filter(project__in=by_name.values()),
    )
    writer.rows(
        ProjectReport,
        ("project_id", "period"),
        report_rows,
        existing=ProjectReport.objects.filter(project__in=by_name.values()),
        validation="fields",
    )


def _project_reports(rng, spec: ProjectSpec, project: Project, parts) -> list[dict]:
    steps = RENOVATION_STEPS if spec.kind == ProjectKind.RENOVATION else BUILD_STEPS
    total = int(project.total_investment * 100)
    rows, cumulative = [], 0
    for n, (period, investment) in enumerate(parts):
        cumulative += investment
        last = n == len(parts) - 1
        # Only the completion month reaches 100; before that the share done, never more than 99.
        percent = 100 if last and C in spec.moves else min(99, cumulative * 100 // total)
        step = [text for threshold, text in steps if threshold <= percent][-1]
        if last and spec.final_note:
            step = spec.final_note
        note = f"{step}；本月完成投资{money(investment)}万元，累计完成投资{money(cumulative)}万元。"
        rows.append(
            {
                "project_id": project.pk,
                "period": period,
                "investment": money(investment),
                "percent_complete": percent,
                "progress_note": note,
                "problems": rng.choice(SITE_PROBLEMS) if rng.random() < 0.15 else "",
                "submitted_at": at(
                    next_month(period).replace(day=rng.randint(2, 7)), rng.randint(9, 17)
                ),
            }
        )
    return rows


def _project_plans(rng, spec, project, parts, departments, people: People, assignments):
    rows = []
    for year in YEARS:
        started, operating = spec.moves.get(S), spec.moves.get(OP)
        if operating and operating.year < year:
            continue
        if year == 2020 and not (started and started.year <= 2020):
            continue  # projects still in reserve in 2020 had no plan yet
        sponsorship = None
        if spec.firm:
            sponsorship = assignments.get((spec.firm, year)) or assignments.get((spec.firm, 2021))
        if sponsorship:
            department, leader = sponsorship.department, sponsorship.leader
        else:
            # Projects without a local investor yet are followed by the investment office.
            department, leader = departments[INVESTMENT_OFFICE], rng.choice(people.leaders)
        actual = sum(c for period, c in parts if period.year == year)
        # Like the enterprises' targets, plans are missed by some projects and beaten by others.
        planned = round(actual * rng.uniform(0.85, 1.12) / 1000) * 1000 if actual else 0
        rows.append(
            {
                "project_id": project.pk,
                "year": year,
                "planned_investment": money(planned),
                "leader_id": leader.pk,
                "department_id": department.pk,
            }
        )
    return rows


# --- visits and problems ------------------------------------------------------------------------


ROUTINE_NOTES = (
    "了解企业生产经营情况，督促按时报送月度工业经济指标",
    "宣讲惠企政策，了解企业订单和用工情况",
    "检查安全生产和疫情防控措施落实情况",
    "了解项目建设进度，协调解决存在问题",
    "座谈了解企业融资需求，介绍风险补偿基金贷款政策",
    "督促落实环境保护措施，查看污染防治设施运行情况",
    "了解职工工资发放情况，宣传就业帮扶政策",
)
EMERGENCIES = (
    (
        "hengan",
        d(2021, 1, 22),
        "春节前疫情防控形势严峻，紧急协调员工核酸检测和留岗过年保障，确保生产不停",
    ),
    (
        "hairun",
        d(2021, 8, 23),
        "强降雨导致厂区排水不畅，紧急组织排涝并检查用电和设备安全",
    ),
    (
        "hengtong",
        d(2021, 9, 27),
        "有序用电期间紧急协调供电部门，错峰保障PP棉生产线连续运行",
    ),
)
# category, severity, description, resolution, department code (None: the sponsoring one)
PROBLEM_TEMPLATES = (
    (
        ProblemCategory.LABOUR,
        ProblemSeverity.ORDINARY,
        "订单增加，缺少熟练缝纫工约30人",
        "社会事务局组织专场招聘会，已为企业输送工人28名",
        "HK09",
    ),
    (
        ProblemCategory.LAND,
        ProblemSeverity.MAJOR,
        "扩建项目用地手续尚未办结，影响开工",
        "自然资源局加快组卷报批，已取得用地批复",
        "HK06",
    ),
    (
        ProblemCategory.FINANCING,
        ProblemSeverity.MAJOR,
        "流动资金紧张，申请银行贷款500万元",
        "组织银企对接，企业已通过风险补偿基金获得贷款500万元",
        "HK05",
    ),
    (
        ProblemCategory.WORK_SAFETY,
        ProblemSeverity.ORDINARY,
        "仓库消防通道堆放原料，存在安全隐患",
        "应急管理局现场督促整改，隐患已消除并复查合格",
        "HK11",
    ),
    (
        ProblemCategory.ENVIRONMENT,
        ProblemSeverity.ORDINARY,
        "喷涂工序废气处理设施需要升级改造",
        "生态环境分局指导制定整改方案，设施已改造完成并达标排放",
        "HK12",
    ),
    (
        ProblemCategory.PROJECT_FUNDING,
        ProblemSeverity.ORDINARY,
        "申报省级技术改造专项资金，需协助准备申报材料",
        "财政局协助完成申报材料，项目已列入省级技术改造专项",
        "HK05",
    ),
    (
        ProblemCategory.CONSTRUCTION_PROGRESS,
        ProblemSeverity.ORDINARY,
        "厂房施工受连续降雨影响，进度滞后",
        "住建局协调施工单位增加作业面，进度已基本追回",
        "HK07",
    ),
    (
        ProblemCategory.STATISTICAL_INCLUSION,
        ProblemSeverity.ORDINARY,
        "申请入库纳统，需指导完善统计台账和财务报表",
        "经济委、局上门指导完善统计台账，入库申报资料已报送",
        "HK01",
    ),
    (
        ProblemCategory.WAGES,
        ProblemSeverity.ORDINARY,
        "外包施工队拖欠农民工工资，工人反映强烈",
        "社会事务局约谈施工单位，工资已足额发放",
        "HK09",
    ),
    (
        ProblemCategory.OTHER,
        ProblemSeverity.ORDINARY,
        "生产用电负荷不足，需要变压器增容",
        "协调供电部门完成增容改造，已正常送电",
        None,
    ),
    (
        ProblemCategory.EPIDEMIC,
        ProblemSeverity.ORDINARY,
        "外地员工返岗需要核酸检测和健康监测支持",
        "协调卫生院上门采样，返岗员工已全部到岗",
        None,
    ),
    (
        ProblemCategory.ANNUAL_INVESTMENT,
        ProblemSeverity.ORDINARY,
        "年度投资计划完成滞后，设备款支付延迟",
        "协调设备供应商分期付款，投资进度已按计划推进",
        None,
    ),
)
