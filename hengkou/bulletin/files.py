"""The bulletin's files (Excel, Word, PDF), rendered once per issue and then kept.

A city's bulletin lists 500 departments in every ranking: laying it out as an official document
takes seconds, and the issue it is rendered from never changes (a close after a reopen makes a
new issue). So each file is rendered on its first request (or by the ``close_month`` command,
right after the close) and stored as a ``BulletinFile``; later requests read the bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from ..models import BulletinFile
from .content import Bulletin, get_bulletin
from .docx import render_bulletin_docx
from .pdf import render_bulletin_pdf
from .xlsx import render_bulletin_xlsx

# Each kind's renderer, and whether what it writes depends on the reader's language (the
# workbook's headings do; the official document is Chinese whatever the language).
RENDERERS: dict[str, tuple[Callable[[Bulletin], bytes], bool]] = {
    BulletinFile.Kind.XLSX: (render_bulletin_xlsx, True),
    BulletinFile.Kind.DOCX: (render_bulletin_docx, False),
    BulletinFile.Kind.PDF: (render_bulletin_pdf, False),
}


def bulletin_file(bulletin: Bulletin, kind: str) -> bytes:
    """Return the bulletin's file of ``kind``: as kept, or rendered now and kept.

    One query when kept. A bulletin not read from a stored issue is rendered every time.
    """
    render, by_language = RENDERERS[kind]
    if bulletin.issue_id is None:
        return render(bulletin)
    language = (translation.get_language() or "") if by_language else ""
    kept = (
        BulletinFile.objects.filter(issue_id=bulletin.issue_id, kind=kind, language=language)
        .values_list("content", flat=True)
        .first()
    )
    if kept is not None:
        return bytes(kept)
    content = render(bulletin)
    try:
        # Two first requests at once render twice; the first to store wins, both are the same.
        with transaction.atomic():
            BulletinFile.objects.create(
                issue_id=bulletin.issue_id, kind=kind, language=language, content=content
            )
    except IntegrityError:
        pass
    return content


def keep_bulletin_files(*, period: datetime.date, languages: tuple[str, ...]) -> list[str]:
    """Render and keep every file of a closed month's bulletin; return the kinds rendered.

    The workbook is kept once per language in ``languages``.
    """
    bulletin = get_bulletin(period=period, now=timezone.now())
    rendered = []
    for kind, (_render, by_language) in RENDERERS.items():
        for language in languages if by_language else languages[:1]:
            with translation.override(language):
                bulletin_file(bulletin, kind)
        rendered.append(kind)
    return rendered
