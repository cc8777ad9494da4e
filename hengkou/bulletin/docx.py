"""The bulletin's Word file: the 公文 of hengkou/bulletin/document.py (GB/T 9704-2012)."""

from __future__ import annotations

import io
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

from .content import Bulletin
from .document import Attachment, OfficialDocument, official_document, signature_indents

RED = RGBColor(0xE6, 0x00, 0x12)
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
ATTACHMENT_TITLE_SIZE = Pt(18)  # 小2号
FOOTER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(9)  # 小五, every table: the ranking's fifteen columns fit with whole numbers
LINE = Pt(28.95)  # 22 lines in the 225 mm type area
CHAR = BODY_SIZE  # one character of body text, for indents
TABLE_STYLE = "Bulletin Table"
# Portrait: 版心 156 × 225 mm with 天头 37 mm and 订口 28 mm; landscape pages turn it.
PORTRAIT = {"width": Mm(210), "height": Mm(297), "margins": (37, 35, 28, 26)}
LANDSCAPE = {"width": Mm(297), "height": Mm(210), "margins": (28, 26, 37, 35)}


def _fonts_element(r_pr, face: str) -> None:
    """Name a face for every script of a run or style, dropping the theme's choices."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(key), None)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), face)


def _chinese(r_pr) -> None:
    """Declare the East Asian language zh-CN, so Word and LibreOffice pick Chinese glyphs."""
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _set_styles(document, doc: OfficialDocument) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts_element(defaults, doc.fonts.fangsong[0])
    _chinese(defaults)
    normal = styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.font.color.rgb = RGBColor(0, 0, 0)
    _fonts_element(normal.element.get_or_add_rPr(), doc.fonts.fangsong[0])
    _chinese(normal.element.get_or_add_rPr())
    layout = normal.paragraph_format
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = LINE
    layout.space_before = layout.space_after = Pt(0)
    layout.widow_control = False

    table_style = styles.add_style(TABLE_STYLE, 1)  # a paragraph style
    table_style.base_style = normal
    table_style.font.size = TABLE_SIZE
    _fonts_element(table_style.element.get_or_add_rPr(), doc.fonts.fangsong[0])
    _chinese(table_style.element.get_or_add_rPr())
    table_layout = table_style.paragraph_format
    table_layout.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table_layout.first_line_indent = Pt(0)
    # Every other style that states a language says zh-CN too.
    for style in styles:
        r_pr = style.element.rPr
        if r_pr is not None and r_pr.find(qn("w:lang")) is not None:
            _chinese(r_pr)


def _font_table(document, doc: OfficialDocument) -> None:
    """Declare each face in the font table as Chinese (GB2312 charset) with its free fallback.

    The template's table names Japanese faces (ＭＳ 明朝, ＭＳ ゴシック); they go. A reader without
    an official face gets ``w:altName``, the last face of its setting (Noto … CJK SC).
    """
    part = next(
        rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    table = parse_xml(part.blob)
    for font in table.findall(qn("w:font")):
        if font.get(qn("w:name")) in ("ＭＳ 明朝", "ＭＳ ゴシック"):
            table.remove(font)
    families = (
        (doc.fonts.fangsong, "roman"),
        (doc.fonts.xiaobiaosong, "roman"),
        (doc.fonts.heiti, "modern"),
        (doc.fonts.kaiti, "script"),
    )
    seen = set()
    for faces, family in families:
        if faces[0] in seen:
            continue
        seen.add(faces[0])
        font = OxmlElement("w:font")
        font.set(qn("w:name"), faces[0])
        for tag, value in (("w:altName", faces[-1]), ("w:charset", "86"), ("w:family", family)):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        table.append(font)
    part._blob = serialize_part_xml(table)


def _run(paragraph, text: str, face: str, size=None, *, red: bool = False, bold: bool = False):
    run = paragraph.add_run(text)
    _fonts_element(run._element.get_or_add_rPr(), face)
    if size is not None:
        run.font.size = size
    if red:
        run.font.color.rgb = RED
    run.bold = bold or None
    return run


def _border(paragraph, side: str, *, color: str = "000000", eighths: int = 6) -> None:
    """Draw a rule on a side of a paragraph (eighths of a point thick)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), "4")
    line.set(qn("w:color"), color)
    borders.append(line)


def _page(section, layout: dict) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if layout is LANDSCAPE else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = layout["width"], layout["height"]
    top, bottom, left, right = layout["margins"]
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.footer_distance = Mm(bottom - 12)


def _page_number(paragraph, face: str) -> None:
    """Write — N — with a PAGE field."""
    _run(paragraph, "— ", face, FOOTER_SIZE)
    run = _run(paragraph, "", face, FOOTER_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            value = OxmlElement("w:t")
            value.text = text
            run._r.append(value)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    _run(paragraph, " —", face, FOOTER_SIZE)


def _footers(document, section, face: str) -> None:
    """Page numbers on the outside edge: odd pages right, even pages left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        layout = paragraph.paragraph_format
        layout.line_spacing_rule = WD_LINE_SPACING.SINGLE
        layout.first_line_indent = Pt(0)
        layout.left_indent = layout.right_indent = Pt(14)
        _page_number(paragraph, face)


def _blank(document) -> None:
    document.add_paragraph()


def _head(document, doc: OfficialDocument) -> None:
    """Issuing office mark, document number and red rule, title, addressees."""
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.space_before = Mm(25)
    mark.paragraph_format.line_spacing = Pt(doc.mark_size + 8)
    _run(mark, doc.issuing_office, doc.fonts.xiaobiaosong[0], Pt(doc.mark_size), red=True)
    _blank(document)
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(number, doc.document_number, doc.fonts.fangsong[0])
    _border(number, "bottom", color=str(RED), eighths=18)
    _blank(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(35)
    _run(title, doc.title, doc.fonts.xiaobiaosong[0], TITLE_SIZE)
    _blank(document)
    document.add_paragraph(doc.addressees)


def _body(document, doc: OfficialDocument) -> None:
    for item in doc.body:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = 2 * CHAR
        if item.heading:
            _run(paragraph, item.text, doc.fonts.heiti[0])
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.add_run(item.text)
    if doc.attachments:
        _blank(document)
    for index, line in enumerate(doc.attachment_lines):
        paragraph = document.add_paragraph(line)
        # 附件： is three characters: later items line up under the first one's number.
        paragraph.paragraph_format.left_indent = 2 * CHAR if index == 0 else 5 * CHAR
    _blank(document)
    _blank(document)
    office_indent, date_indent = signature_indents(doc.signature, doc.date)
    for text, indent in ((doc.signature, office_indent), (doc.date, date_indent)):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(float(indent) * CHAR.pt)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _table_style_id(document) -> str | None:
    """Return the id of the table text's paragraph style, looked up once per document.

    ``paragraph.style = name`` looks the name up among every style for each paragraph (a
    city's bulletin has 16,000 cells: most of the document's time); the id set on the
    paragraph's XML is the same result.
    """
    style = document.styles[TABLE_STYLE]
    return document.part.get_style_id(style, style.type)


def _cell_text(cell, text: str, face: str, *, style_id: str | None, align=None) -> None:
    paragraph = cell.paragraphs[0]
    paragraph._p.style = style_id
    if align is not None:
        paragraph.alignment = align
    _run(paragraph, text, face, TABLE_SIZE)


def _docx_table(document, attachment: Attachment, doc: OfficialDocument) -> None:
    if not attachment.rows:
        paragraph = document.add_paragraph("无。")
        paragraph.paragraph_format.first_line_indent = 2 * CHAR
        return
    grid = document.add_table(rows=1, cols=len(attachment.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    _repeat_header(header)
    style_id = _table_style_id(document)
    for cell, text in zip(header.cells, attachment.headers, strict=True):
        _cell_text(
            cell, text, doc.fonts.heiti[0], style_id=style_id, align=WD_ALIGN_PARAGRAPH.CENTER
        )
    for row in attachment.rows:
        cells = grid.add_row().cells
        for cell, item in zip(cells, row, strict=True):
            align = WD_ALIGN_PARAGRAPH.RIGHT if item.numeric else None
            _cell_text(cell, item.text, doc.fonts.fangsong[0], style_id=style_id, align=align)
            if item.numeric:
                _no_wrap(cell)
    _fit_columns(grid, attachment)


def _no_wrap(cell) -> None:
    cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))


def _fit_columns(grid, attachment: Attachment) -> None:
    """Share the type area's width by what each column holds: numbers whole, titles wrapped."""
    width = Mm(225) if attachment.landscape else Mm(156)

    def need(text: str) -> float:
        # In half-width units: a Chinese character takes two, a digit a little over one.
        return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1.15 for char in text)

    wanted = []
    for index, header in enumerate(attachment.headers):
        longest = max((need(row[index].text) for row in attachment.rows), default=0)
        # A title wraps onto lines of three characters or more; a value never wraps.
        wanted.append(max(longest, min(need(header), 6)) + 2.5)
    total = sum(wanted)
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    widths = [Emu(int(width * share / total)) for share in wanted]
    for column, column_width in zip(grid.columns, widths, strict=True):
        column.width = column_width  # the grid, which LibreOffice reads
    # Each cell, which Word reads: row by row in the XML (``column.cells`` walks the whole
    # table for each column).
    for row in grid._tbl.tr_lst:
        for cell, column_width in zip(row.tc_lst, widths, strict=True):
            cell.width = column_width


def _attachments(document, doc: OfficialDocument) -> None:
    """Each attachment on a new page: 附件N top left, its title centred, its table."""
    for attachment in doc.attachments:
        section = document.add_section(WD_SECTION.NEW_PAGE)
        _page(section, LANDSCAPE if attachment.landscape else PORTRAIT)
        label = document.add_paragraph()
        _run(label, attachment.label, doc.fonts.heiti[0])
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(8)
        _run(title, attachment.title, doc.fonts.xiaobiaosong[0], ATTACHMENT_TITLE_SIZE)
        _docx_table(document, attachment, doc)


def _imprint(document, doc: OfficialDocument) -> None:
    """The 版记 at the foot of the last page: 抄送, then 印发机关 and 印发日期, between rules."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _page(section, PORTRAIT)
    cc = document.add_paragraph()
    cc.paragraph_format.space_before = Mm(180)
    cc.paragraph_format.left_indent = cc.paragraph_format.right_indent = Pt(7)
    _run(cc, f"抄送：{doc.cc}", doc.fonts.fangsong[0], FOOTER_SIZE)
    _border(cc, "top", eighths=6)
    printed = document.add_paragraph()
    printed.paragraph_format.left_indent = printed.paragraph_format.right_indent = Pt(7)
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(14), alignment=2)  # right
    run = _run(printed, f"{doc.printed_by}\t{doc.printed_line}", doc.fonts.fangsong[0], FOOTER_SIZE)
    # The office's full name and the date share a line: condensed by 0.4 pt a character.
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), "-8")
    run._element.get_or_add_rPr().append(spacing)
    _border(printed, "top", eighths=4)
    _border(printed, "bottom", eighths=6)


def render_bulletin_docx(bulletin: Bulletin) -> bytes:
    """Return the bulletin as a Word 公文: the letter on A4 portrait, then its attachments
    (wide tables on landscape pages, header rows repeated), then the 版记; — N — page numbers.
    """
    doc = official_document(bulletin)
    document = Document()
    _set_styles(document, doc)
    _font_table(document, doc)
    section = document.sections[0]
    _page(section, PORTRAIT)
    _footers(document, section, doc.fonts.fangsong[0])
    _head(document, doc)
    _body(document, doc)
    _attachments(document, doc)
    _imprint(document, doc)
    document.core_properties.title = doc.title
    document.core_properties.author = doc.issuing_office
    document.core_properties.language = "zh-CN"
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
