"""The bulletin as a PDF 公文, made with WeasyPrint from templates/hengkou/bulletin_document.html.

Nothing is fetched while rendering: the template embeds its styles and names its fonts (Debian's
fonts-noto-cjk as the fallback of the official faces), and the URL fetcher refuses every URL but
``data:`` ones, so a stray link can never make the server reach the network.
"""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .content import Bulletin
from .document import OfficialDocument, official_document, signature_indents

TEMPLATE = "hengkou/bulletin_document.html"


def css_family(faces: tuple[str, ...], generic: str) -> str:
    """Return a CSS font-family list: each face quoted, then the generic family.

    The faces come from settings; anything that could end the string or the rule is dropped.
    """
    quoted = ['"{}"'.format(re.sub(r'["\\;{}<>\n]', "", face)) for face in faces]
    return mark_safe(", ".join([*quoted, generic]))  # noqa: S308 (cleaned above)


class RefusedURL(ValueError):
    """The bulletin's PDF was about to fetch a URL that is not embedded."""


def local_url_fetcher():
    """Return a WeasyPrint URL fetcher that serves ``data:`` URLs and refuses every other one.

    The refused URLs are kept in its ``refused`` list. WeasyPrint is imported here, not at the
    top, so the rest of the site loads where its system libraries are missing.
    """
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("data",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                raise RefusedURL(f"the bulletin's PDF fetches nothing: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()


def document_html(doc: OfficialDocument) -> str:
    """Return the HTML the PDF is made from."""
    office_indent, date_indent = signature_indents(doc.signature, doc.date)
    return render_to_string(
        TEMPLATE,
        {
            "doc": doc,
            "fangsong": css_family(doc.fonts.fangsong, "serif"),
            "xiaobiaosong": css_family(doc.fonts.xiaobiaosong, "serif"),
            "heiti": css_family(doc.fonts.heiti, "sans-serif"),
            "kaiti": css_family(doc.fonts.kaiti, "serif"),
            "office_indent": office_indent,
            "date_indent": date_indent,
        },
    )


def html_to_pdf(html: str, *, url_fetcher=None) -> bytes:
    """Return the PDF of an HTML string, fetching nothing but ``data:`` URLs."""
    from weasyprint import HTML

    fetcher = url_fetcher or local_url_fetcher()
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def render_bulletin_pdf(bulletin: Bulletin) -> bytes:
    """Return the bulletin as a PDF 公文 on A4: the letter, its attachments, the 版记."""
    return html_to_pdf(document_html(official_document(bulletin)))
