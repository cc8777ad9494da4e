"""The article's shared ground: the zone's constants and names, small helpers, and the writer
by natural key."""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enterprises.choices import ChainRole, DepartmentKind

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


@dataclass
class People:
    """The demo officials, by role."""

    leaders: list
    heads: dict  # department code -> head
    staff: dict  # department code -> list of staff
