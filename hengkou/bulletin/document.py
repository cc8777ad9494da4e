"""The bulletin as an official document (公文, 文种 通报): what the letter says, for .docx and PDF.

One builder, ``official_document``, turns a closed month's ``Bulletin`` into the parts
GB/T 9704-2012 lays out: issuing office mark, document number, title, addressees, a body that
states the month's results in sentences under 一、二、三、 headings, the attachment list, the
signature and date, the attachments (the bulletin's tables) and the 版记 (抄送, 印发). Both
renderers (hengkou/bulletin/docx.py for Word, hengkou/bulletin/pdf.py for PDF) read only this.

A 公文 is Chinese whatever the reader's interface language: the letter's sentences are written
in Chinese here, not translated, and the attachment tables are built with Chinese active.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils import translation

from core.numbers import cents

from ..choices import RankedMetric
from ..formats import as_decimal, format_money, format_percent, percent_value
from ..projections import FLAG_FROM_MONTH
from .content import Bulletin, format_amount, metric_unit
from .tables import Table, bulletin_tables, zone_table

DOCUMENT_DEFAULTS = {
    "issuing_office": "恒口示范区包抓重点工业企业工作领导小组办公室",
    "addressees": "示范区各包抓部门、各有关单位：",
    "cc": "示范区党工委、管委会各位领导，示范区抓落实办。",
    "printed_by": "恒口示范区包抓重点工业企业工作领导小组办公室",
    "font_fangsong": ["仿宋_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"],
    "font_xiaobiaosong": ["方正小标宋简体", "方正小标宋_GBK", "Noto Serif CJK SC"],
    "font_heiti": ["黑体", "SimHei", "Noto Sans CJK SC"],
    "font_kaiti": ["楷体_GB2312", "楷体", "KaiTi", "Noto Serif CJK SC"],
}
# A table wider than this many columns goes on a landscape page.
PORTRAIT_COLUMNS = 6
# How many leading departments of each ranked metric the body names.
LEADERS = 3
CHINESE_NUMERALS = "一二三四五六七八九十"
TYPE_AREA_WIDTH_PT = Decimal("442")  # 156 mm
MARK_MAX_PT = 36


def text_width(text: str) -> Decimal:
    """Return a line's width in characters of its size: wide (CJK) 1, others ½."""
    return sum(
        (Decimal(1) if unicodedata.east_asian_width(char) in "WF" else Decimal("0.5"))
        for char in text
    ) or Decimal(0)


def signature_indents(office: str, date: str) -> tuple[Decimal, Decimal]:
    """Return how far in from the right (in characters) the signature and the date sit.

    GB/T 9704 7.3.5.1: the date is four characters in from the right and the office centred
    over it; an office longer than the date is two characters in and the date centred under it.
    """
    office_width, date_width = text_width(office), text_width(date)
    if office_width <= date_width:
        return 4 + (date_width - office_width) / 2, Decimal(4)
    return Decimal(2), 2 + (office_width - date_width) / 2


def document_settings() -> dict:
    """Return HENGKOU_BULLETIN_DOCUMENT over the defaults."""
    return {**DOCUMENT_DEFAULTS, **getattr(settings, "HENGKOU_BULLETIN_DOCUMENT", {})}


def chinese_date(day: datetime.date) -> str:
    """Return a date as a 公文 writes it: 2021年11月6日, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_month(period: datetime.date) -> str:
    """Return a month as 2021年10月份."""
    return f"{period.year}年{period.month}月份"


def growth_phrase(rate: Fraction | Decimal | None) -> str:
    """Return a year-on-year change in a 公文's words: 同比增长7.5%, 同比下降3.0% or 同比持平."""
    value = percent_value(rate)
    if value is None:
        return "上年同期无可比数据"
    if value > 0:
        return f"同比增长{format_percent(rate)}"
    if value < 0:
        return f"同比下降{format_percent(-as_decimal(rate))}"
    return "同比持平"


def points_phrase(gap: Decimal | None, places: int = 1) -> str:
    """Return how far a rate is below time progress: 8.3个百分点 (0.02 rather than 0.0)."""
    value = percent_value(-as_decimal(gap), places) if gap is not None else None
    return f"{value}个百分点" if value is not None else "—"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the letter: a level-1 heading (一、…, 黑体) or body text (仿宋)."""

    text: str
    heading: bool = False


@dataclass(frozen=True)
class DocumentCell:
    """A table cell as the document prints it: its text, and whether it is a number."""

    text: str
    numeric: bool = False


@dataclass(frozen=True)
class Attachment:
    """An attachment: 附件N, its title and its table, every text already in Chinese."""

    number: int
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[DocumentCell, ...], ...]

    @property
    def label(self) -> str:
        return f"附件{self.number}"

    @property
    def landscape(self) -> bool:
        return len(self.headers) > PORTRAIT_COLUMNS


def attachment(number: int, table: Table) -> Attachment:
    """Return a bulletin table as an attachment, its texts read in the active language."""
    return Attachment(
        number=number,
        title=str(table.title),
        headers=tuple(str(header) for header in table.headers),
        rows=tuple(
            tuple(DocumentCell(cell.text, cell.numeric) for cell in row.cells) for row in table.rows
        ),
    )


@dataclass(frozen=True)
class Fonts:
    """The document's font families, each the preferred face first."""

    fangsong: tuple[str, ...]
    xiaobiaosong: tuple[str, ...]
    heiti: tuple[str, ...]
    kaiti: tuple[str, ...]


@dataclass(frozen=True)
class OfficialDocument:
    """A bulletin laid out as a 公文: every text the .docx and the PDF print, in order."""

    issuing_office: str
    document_number: str
    title: str
    addressees: str
    body: tuple[Paragraph, ...]
    attachments: tuple[Attachment, ...]
    signature: str
    date: str
    cc: str
    printed_by: str
    printed_on: str
    fonts: Fonts
    period: datetime.date

    @property
    def attachment_lines(self) -> tuple[str, ...]:
        """Return the 附件说明 lines: 附件：1. … then 2. … aligned under the first."""
        return tuple(
            f"{'附件：' if index == 0 else ''}{item.number}. {item.title}"
            for index, item in enumerate(self.attachments)
        )

    @property
    def mark_size(self) -> int:
        """Return the issuing office mark's size in points: as large as fits one line."""
        width = text_width(self.issuing_office) or Decimal(1)
        return int(min(Decimal(MARK_MAX_PT), TYPE_AREA_WIDTH_PT / width))

    @property
    def printed_line(self) -> str:
        return f"{self.printed_on}印发"


def document_title(period: datetime.date) -> str:
    """Return the bulletin's 公文 title: 关于2021年10月份重点工业企业包抓工作情况的通报."""
    return f"关于{chinese_month(period)}重点工业企业包抓工作情况的通报"


def _zone_paragraph(bulletin: Bulletin) -> str:
    zone = bulletin.zone
    return (
        f"截至{bulletin.period.year}年{bulletin.period.month}月底，全区规模以上工业总产值累计完成"
        f"{format_money(zone.above_scale_output)}万元，{growth_phrase(zone.above_scale_output_yoy)}"
        f"；工业投资累计完成{format_money(zone.investment)}万元，"
        f"{growth_phrase(zone.investment_yoy)}；技改投资累计完成"
        f"{format_money(zone.tech_investment)}万元，{growth_phrase(zone.tech_investment_yoy)}。"
        f"全区包抓重点工业企业{zone.enterprises}户，其中规模以上工业企业"
        f"{zone.above_scale_enterprises}户。"
    )


def _leaders_paragraphs(bulletin: Bulletin) -> list[str]:
    if not bulletin.rankings:
        return ["本月无可排名的指标。"]
    # Time progress with as many decimals as any rate printed beside it (display_places).
    places = max((row.places for ranking in bulletin.rankings for row in ranking.rows), default=1)
    paragraphs = [f"本月时序进度为{format_percent(bulletin.time_progress, places)}。"]
    for ranking in bulletin.rankings:
        leaders = [row for row in ranking.rows if row.rank is not None and row.rank <= LEADERS]
        if not leaders:
            continue
        named = "、".join(
            f"{row.department_name}（{format_percent(row.completion_rate, row.places)}）"
            for row in leaders
        )
        paragraphs.append(
            f"{RankedMetric(ranking.metric).label}完成率居前{len(leaders)}位的部门依次为：{named}。"
        )
    return paragraphs


def _lagging_paragraphs(bulletin: Bulletin) -> list[str]:
    if not bulletin.lagging:
        return ["本月各包抓部门各项指标完成率均不低于时序进度，无进度靠后部门。"]
    by_department: dict[str, list] = defaultdict(list)
    for line in bulletin.lagging:
        by_department[line.department_name].append(line)
    places = max(line.places for line in bulletin.lagging)
    paragraphs = [
        f"以下{len(by_department)}个部门的指标完成率低于时序进度"
        f"（{format_percent(bulletin.time_progress, places)}），已下发督办通知："
    ]
    for name, lines in by_department.items():
        metrics = "；".join(
            f"{line.metric_label}完成率{format_percent(line.completion_rate, line.places)}，"
            f"低于时序进度{points_phrase(line.gap, line.places)}"
            for line in lines
        )
        due = sorted({line.notice_due_on for line in lines if line.notice_due_on})
        ask = (
            f"请于{chinese_date(due[0])}前就督办通知书面反馈，说明原因并提出追赶进度的具体措施"
            if due
            else "请书面说明原因并提出追赶进度的具体措施"
        )
        paragraphs.append(f"{name}：{metrics}。{ask}。")
    return paragraphs


def _projection_paragraphs(bulletin: Bulletin) -> list[str]:
    """Return, per ranked metric, the zone's projected year-end and who is projected to miss."""
    zones = [line for line in bulletin.projections if line.is_zone]
    if not zones:
        return ["本月无可测算全年完成情况的指标。"]
    paragraphs = [
        "预计全年完成值按累计除以往年同期累计占全年比重测算（同口径：今年的包抓企业"
        "在往年的数据，最多取5年均值；无往年数据时按月数÷12平均测算）。"
    ]
    for zone in zones:
        unit = metric_unit(zone.metric)
        missing = [
            line.department_name
            for line in bulletin.projections
            if line.metric == zone.metric and not line.is_zone
        ]
        rate = (
            f"，预计全年完成率{format_percent(zone.projected_rate, zone.places)}"
            if zone.projected_rate is not None
            else ""
        )
        text = (
            f"{zone.metric_label}：全区有目标的包抓对象累计"
            f"{format_amount(zone.ytd_targeted, zone.metric)}{unit}，往年同期累计占全年比重"
            f"{format_percent(zone.share, 2)}，预计全年完成"
            f"{format_amount(cents(zone.projected_targeted), zone.metric)}{unit}，"
            f"目标{format_amount(zone.target, zone.metric)}{unit}{rate}"
        )
        if bulletin.month < FLAG_FROM_MONTH:
            text += "（自3月起标示预计完不成目标的部门）。"
        elif missing:
            text += f"；预计完不成目标的部门{len(missing)}个：{'、'.join(missing)}。"
        else:
            text += "；无预计完不成目标的部门。"
        paragraphs.append(text)
    return paragraphs


def _completeness_sentence(bulletin: Bulletin) -> str:
    members = sum(line.members for line in bulletin.completeness)
    reported = sum(line.reported for line in bulletin.completeness)
    if not members:
        return "本月无应报送数据的包抓企业。"
    missing = [
        line.department_name for line in bulletin.completeness if line.reported < line.members
    ]
    rest = f"，{('、'.join(missing))}尚有企业未报送" if missing else "，全部按时报送"
    return (
        f"数据报送方面，应报送企业{members}户，已报送{reported}户，"
        f"报送率{format_percent(Fraction(reported, members))}{rest}。"
    )


def _visits_sentence(bulletin: Bulletin) -> str:
    total = bulletin.visit_compliance_total
    if not bulletin.visit_compliance:
        return "到企帮扶方面，本月无包抓部门的到企帮扶任务。"
    return (
        f"到企帮扶方面，本月到企帮扶任务已完成{total.met}次、未完成{total.missed}次、"
        f"尚在期限内{total.due}次，达标率{format_percent(total.compliance)}。"
    )


def _quality_sentence(bulletin: Bulletin) -> str:
    if bulletin.flags is None:
        return ""
    if not bulletin.flags:
        return "数据质量方面，本月报送数据未触发校验规则。"
    unexplained = bulletin.flags - bulletin.flags_explained
    return (
        f"数据质量方面，本月报送数据经规则校验共有疑似异常标记{bulletin.flags}条"
        f"（一项数据触犯一条规则计一条），已由报送单位说明{bulletin.flags_explained}条，"
        f"未说明{unexplained}条。"
    )


def _body(bulletin: Bulletin) -> tuple[Paragraph, ...]:
    sections = [
        ("全区主要指标完成情况", [_zone_paragraph(bulletin)]),
        ("各包抓部门目标任务完成情况", _leaders_paragraphs(bulletin)),
        ("进度靠后部门及督办要求", _lagging_paragraphs(bulletin)),
        *(
            []
            if bulletin.projections is None
            else [("预计全年完成情况", _projection_paragraphs(bulletin))]
        ),
        (
            "数据报送及到企帮扶情况",
            [
                _completeness_sentence(bulletin),
                *filter(None, [_quality_sentence(bulletin)]),
                _visits_sentence(bulletin),
            ],
        ),
    ]
    paragraphs = []
    for index, (heading, texts) in enumerate(sections):
        paragraphs.append(Paragraph(f"{CHINESE_NUMERALS[index]}、{heading}", heading=True))
        paragraphs.extend(Paragraph(text) for text in texts)
    return tuple(paragraphs)


def _fonts(options: dict) -> Fonts:
    return Fonts(
        fangsong=tuple(options["font_fangsong"]),
        xiaobiaosong=tuple(options["font_xiaobiaosong"]),
        heiti=tuple(options["font_heiti"]),
        kaiti=tuple(options["font_kaiti"]),
    )


def official_document(bulletin: Bulletin) -> OfficialDocument:
    """Return the bulletin as a 公文, in Chinese whatever language is active.

    The date (成文日期, also the 印发 date) is the day the month was closed.
    """
    options = document_settings()
    issued_on = bulletin.closed_on or bulletin.today
    with translation.override("zh-hans"):
        tables = [zone_table(bulletin), *bulletin_tables(bulletin)]
        attachments = tuple(
            attachment(number, table) for number, table in enumerate(tables, start=1)
        )
        body = _body(bulletin)
    return OfficialDocument(
        issuing_office=options["issuing_office"],
        document_number=bulletin.document_number,
        title=document_title(bulletin.period),
        addressees=options["addressees"],
        body=body,
        attachments=attachments,
        signature=options["issuing_office"],
        date=chinese_date(issued_on),
        cc=options["cc"],
        printed_by=options["printed_by"],
        printed_on=chinese_date(issued_on),
        fonts=_fonts(options),
        period=bulletin.period,
    )
