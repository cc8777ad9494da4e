"""The Chinese catalogue uses the words of locale/glossary.toml, and its placeholders match."""

import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GLOSSARY = ROOT / "locale" / "glossary.toml"
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# What is code, not English prose: %(name)s placeholders, {name} fields, `code` and %% escapes.
_CODE = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}|`[^`]*`|%%")
_PLACEHOLDER = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")


@dataclass(frozen=True)
class Message:
    msgid: str
    msgstr: str
    context: str = ""


@dataclass(frozen=True)
class Finding:
    message: Message
    problem: str

    def __str__(self):
        context = f"[{self.message.context}] " if self.message.context else ""
        return f"{context}{self.message.msgid!r} → {self.message.msgstr!r}: {self.problem}"


def load_glossary(path=GLOSSARY) -> dict:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def messages_of(catalog) -> list[Message]:
    """Return one Message per msgid and per plural form of a catalogue (the header left out)."""
    found = []
    for entry in catalog:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple | list) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        for msgid in ids:
            for msgstr in strings:
                found.append(Message(msgid, msgstr or "", entry.context or ""))
    return found


def read_catalogue(path=CATALOGUE) -> list[Message]:
    with open(path, "rb") as handle:
        return messages_of(read_po(handle))


def _prose(msgid: str) -> str:
    return _CODE.sub(" ", msgid)


def _mentions(msgid: str, words) -> bool:
    prose = _prose(msgid)
    return any(
        re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", prose, re.IGNORECASE) for word in words
    )


def _skipped(message: Message, skips) -> bool:
    return any(
        ("msgid" in skip and skip["msgid"] == message.msgid)
        or ("context" in skip and skip["context"] == message.context)
        for skip in skips
    )


def check(messages, glossary) -> list[Finding]:
    """Return every message whose Chinese strays from the glossary."""
    findings = []
    for term in glossary.get("term", []):
        for message in messages:
            if "contexts" in term and message.context not in term["contexts"]:
                continue
            if _skipped(message, term.get("skip", [])) or not _mentions(message.msgid, term["en"]):
                continue
            if not any(chinese in message.msgstr for chinese in term["zh"]):
                findings.append(Finding(message, f"“{term['en'][0]}” is {'/'.join(term['zh'])}"))
            for wrong in term.get("avoid", []):
                if wrong in message.msgstr:
                    findings.append(Finding(message, f"“{term['en'][0]}” is never {wrong}"))
    for rule in glossary.get("never", []):
        allowed = re.compile(rule["unless"], re.IGNORECASE)
        for message in messages:
            if _skipped(message, rule.get("skip", [])):
                continue
            if rule["zh"] in message.msgstr and not allowed.search(message.msgid):
                findings.append(Finding(message, f"{rule['zh']} here: {rule['sense']}"))
    return findings


def placeholders(text: str) -> list[str]:
    """Return the sorted printf-style placeholders of a text (%% left out)."""
    return sorted(
        f"%({name}){kind}" if name else f"%{kind}"
        for name, kind in _PLACEHOLDER.findall(text)
        if kind != "%"
    )


def _catalog_of(*entries) -> list[Message]:
    """Write the entries as a .po file and read it back, as the real catalogue is read."""
    catalog = Catalog(locale="zh_Hans")
    for msgid, msgstr, *context in entries:
        catalog.add(msgid, msgstr, context=context[0] if context else None)
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    buffer.seek(0)
    return messages_of(read_po(buffer))


# --- the checker on tiny catalogues ------------------------------------------------------------


def test_the_old_wrongs_are_flagged():
    messages = _catalog_of(
        ("Reason", "诉求", "import error"),
        ("Reason", "诉求"),
        ("Required", "应帮扶次数", "import column"),
        ("Due", "截止", "duty windows still running"),
        ("Time progress", "时间进度"),
    )
    findings = [str(finding) for finding in check(messages, load_glossary())]
    assert any("[import error] 'Reason' → '诉求'" in finding for finding in findings)
    assert any(finding.startswith("'Reason' → '诉求'") for finding in findings)
    assert any("'Required'" in finding and "应帮扶次数" in finding for finding in findings)
    assert any("'Due'" in finding and "never 截止" in finding for finding in findings)
    assert any("'Time progress'" in finding and "时序进度" in finding for finding in findings)


def test_a_chinese_term_outside_its_sense_is_flagged():
    messages = _catalog_of(("The value is not valid.", "该诉求无效。"))
    findings = check(messages, load_glossary())
    assert [finding.problem for finding in findings] == [
        "诉求 here: 诉求 is an enterprise's problem: never an import error, a reason or "
        "anything else"
    ]


def test_words_match_whole_words_outside_placeholders():
    messages = _catalog_of(
        ("%(reported)s rows read", "读取 %(reported)s 行"),
        ("Problematic", "有疑问"),
        ("Assigned", "已交办"),
    )
    assert check(messages, load_glossary()) == []


def test_right_translations_and_skipped_senses_pass():
    messages = _catalog_of(
        ("Reason", "原因", "import error"),
        ("Problem", "诉求"),
        ("Problems on the project", "存在问题"),
        ("team member", "专班成员"),
        ("enterprises", "户", "unit of a count"),
    )
    assert check(messages, load_glossary()) == []


def test_placeholders_are_compared_as_sets_of_names():
    assert placeholders("%(a)s of %(b)s, 100%%") == ["%(a)s", "%(b)s"]
    assert placeholders("%(b)s：%(a)s") == placeholders("%(a)s of %(b)s")
    assert placeholders("%(a)s") != placeholders("%(a)d")
    assert placeholders("%s and %d") == ["%d", "%s"]


# --- the real catalogue ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue()


def test_the_glossary_is_well_formed():
    glossary = load_glossary()
    assert len(glossary["term"]) >= 40
    for term in glossary["term"]:
        assert set(term) <= {"en", "sense", "zh", "avoid", "contexts", "skip"}, term
        assert term["en"] and term["zh"] and term["sense"], term
        for skip in term.get("skip", []):
            assert skip.get("reason") and ("msgid" in skip or "context" in skip), skip
    for rule in glossary["never"]:
        re.compile(rule["unless"])
        assert rule["zh"] and rule["sense"], rule


def test_every_skip_names_a_message_of_the_catalogue(catalogue):
    """A skip for a msgid that no longer exists would silently hide nothing: remove it."""
    msgids = {message.msgid for message in catalogue}
    contexts = {message.context for message in catalogue}
    glossary = load_glossary()
    for entry in glossary["term"] + glossary["never"]:
        for skip in entry.get("skip", []):
            assert skip.get("msgid", next(iter(msgids))) in msgids, skip
            assert skip.get("context", "") in contexts, skip


def test_the_catalogue_follows_the_glossary(catalogue):
    findings = check(catalogue, load_glossary())
    assert [str(finding) for finding in findings] == []


def test_placeholders_of_every_translation_match_its_msgid(catalogue):
    wrong = [
        f"{message.msgid!r} → {message.msgstr!r}"
        for message in catalogue
        if placeholders(message.msgid) != placeholders(message.msgstr)
    ]
    assert wrong == []


def test_no_english_is_left_in_the_translations(catalogue):
    """A msgstr may keep codes, units and file formats, never an English word of prose."""
    allowed = {
        "API", "CSV", "DingTalk", "Excel", "GB", "ID", "JPEG", "JSON", "LibreOffice", "MB", "PATCH",
        "PDF", "PNG", "REST", "WebP", "Word", "XFD", "YYYY", "MM", "xls", "xlsx", "true", "false",
        "id", "docx", "Asia", "Shanghai", "I", "O", "S", "V", "Z",
    }  # fmt: skip
    leftovers = []
    for message in catalogue:
        words = re.findall(r"[A-Za-z]{2,}", _prose(message.msgstr))
        strays = [word for word in words if word not in allowed and word in _prose(message.msgid)]
        if strays:
            leftovers.append(f"{message.msgid!r} → {message.msgstr!r}: {strays}")
    assert leftovers == []


def test_code_never_writes_the_words_the_site_avoids():
    """Chinese written in the code (the bulletin document, the demo) follows the glossary too."""
    banned = [rule["zh"] for rule in load_glossary()["never"] if rule["unless"] == "$^"]
    assert banned
    found = []
    for folder in ("core", "enterprises", "hengkou", "projects", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}: {word}" for word in banned if word in text]
    assert found == []
