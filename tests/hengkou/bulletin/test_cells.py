"""A table cell's text: every kind, as the pages, the Word file and the bulletin show it."""

import datetime
from decimal import Decimal
from fractions import Fraction

from django.utils import translation

from hengkou.bulletin.tables import Cell


def test_each_kind_of_cell_reads_as_the_bulletin_prints_it():
    with translation.override("zh-hans"):
        assert [
            Cell(Decimal("1234567.5"), "money", "output_value").text,
            Cell(Decimal("1234.4"), "money", "employees").text,
            Cell(Fraction(5, 6), "rate").text,
            Cell(Fraction(99996, 100000), "rate", places=3).text,
            Cell(Fraction(-1, 12), "points").text,
            Cell(Fraction(-1, 24000), "points", places=3).text,
            Cell(12345, "count").text,
            Cell(datetime.date(2021, 12, 5), "date").text,
            Cell("red", "light").text,
            Cell("", "light").text,
            Cell(True, "flag").text,
            Cell(False, "flag").text,
            Cell(None, "rate").text,
            Cell("D1局").text,
            Cell(7).text,
        ] == [
            "1,234,567.50",
            "1,234",
            "83.3%",
            "99.996%",
            "-8.3",
            "-0.004",
            "12,345",
            "2021-12-05",
            "红灯",
            "—",
            "是",
            "否",
            "—",
            "D1局",
            "7",
        ]
