"""Reading an article from a file: plain functions, no database (issue 12, docs/news.md).

``read_article(path, meta)`` gives a :class:`ReadArticle` or raises :class:`ReadError` whose
message names what is wrong with the file (never its contents). A text file is the format of the
development set: the title on the first line, a blank line, the body. An HTML file goes through
trafilatura, which keeps the title and the publication date. ``index.jsonl`` beside the files
(``read_index``) gives each file's outlet, address and publication date, which win over what
the HTML says.

Near-duplicates are found by word shingles (``fingerprint``/``resemblance``): the same article
reprinted by another outlet, or fetched twice with small edits or cut short, shares most of its
runs of five words with the first copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# A news article is a few hundred kilobytes of HTML at most; a larger file is not one (and a
# 50 MB page must not be read into memory only to be refused later).
MAX_BYTES = 5 * 1024 * 1024
# Below this many letters there is no article to keep (a cookie banner, an error page).
MIN_LETTERS = 200
LANGUAGES = ("uk", "ru", "en")
CRIMEAN_TATAR = "crh"
SHINGLE = 5
# Share of the smaller text's shingles found in the other text from which two texts are one
# article (containment, not Jaccard: a copy cut short is still the same article).
SAME_ARTICLE = 0.7
# Texts with fewer shingles than this are too short to compare reliably: only exact copies count.
MIN_SHINGLES = 20


class ReadError(Exception):
    """A file that is not an article Svidok can read; the message says why. ``code`` names the
    reason (``empty``, ``binary``, ``encoding``, ``too_big``, ``no_article``, ``too_short``,
    ``no_title``, ``language``, ...) for callers that say it in the reader's language."""

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ReadArticle:
    title: str
    text: str
    language: str
    published: dt.date | None = None
    outlet: str = ""
    url: str = ""

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def normalize_text(text: str) -> str:
    """NFC, one space between words, one blank line between paragraphs, no control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def text_sha256(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def fingerprint(text: str) -> frozenset[int]:
    """The set of five-word runs of a text, lower-cased, words only (punctuation and spacing do
    not count), each as a hash."""
    words = re.findall(r"\w+", normalize_text(text).casefold())
    if len(words) < SHINGLE:
        return frozenset({_hash(words)}) if words else frozenset()
    return frozenset(_hash(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def _hash(words: list[str]) -> int:
    # Stable across processes (unlike hash()), and 32 bits are plenty for a few thousand shingles.
    return zlib.crc32(" ".join(words).encode("utf-8"))


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    """Containment of the smaller set in the larger, 0..1; 0 when either text is too short."""
    if not a or not b or min(len(a), len(b)) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# -- language -------------------------------------------------------------------------------------

# Crimean Tatar in Latin script shares ğ, ı, ş, ç, ö, ü with Turkish; q and ñ are its own.
_CRH_LETTERS = re.compile(r"[ğıışçöüñ]")
_CRH_OWN = re.compile(r"[qñ]")
_ENGLISH_WORDS = frozenset("the of and to in a is was were that on for by with as at from his her their they has have had it be".split())


@cache
def _detector():
    # Built once per process, from the three languages only: smaller and surer than all 75.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.UKRAINIAN, Language.RUSSIAN, Language.ENGLISH).build()


def detect_language(text: str) -> str | None:
    """``uk``, ``ru``, ``en``, ``crh`` (Crimean Tatar, Latin script) or None for anything else.

    lingua chooses among Ukrainian, Russian and English only, so it would call a German or
    Crimean Tatar text English: Latin-script text must first look English (its commonest
    function words make up a good part of it) or Crimean Tatar (its own letters), or it is
    another language."""
    sample = text[:20_000]
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return None
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    if cyrillic < len(letters) / 2:
        words = re.findall(r"[^\W\d_]+", sample.casefold())
        if not words:
            return None
        turkic = sum(1 for w in words if _CRH_LETTERS.search(w))
        if turkic / len(words) >= 0.1 and _CRH_OWN.search(sample.casefold()):
            return CRIMEAN_TATAR
        if sum(1 for w in words if w in _ENGLISH_WORDS) / len(words) < 0.08:
            return None
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language is not None else None


# -- files ----------------------------------------------------------------------------------------

def read_index(directory: Path) -> dict[str, dict]:
    """``index.jsonl`` of a directory: file name → its row (``url``, ``published``, ``source``
    the outlet, ...). Missing file: empty. A bad line is a ReadError naming its number."""
    path = directory / "index.jsonl"
    if not path.is_file():
        return {}
    rows = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rows[str(row["file"])] = row
            except (ValueError, KeyError, TypeError):
                raise ReadError(f"{path.name}, line {number}: not a JSON object with a \"file\".", "index") from None
    return rows


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# Pages of the Russian and Ukrainian press may still be windows-1251 or KOI8, and say so in a
# meta tag; the declared encoding is used, never a guess.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(raw[:4096])
    if declared:
        try:
            return raw.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    raise ReadError("is not UTF-8 text and declares no encoding that fits it (a binary file, or another encoding).", "encoding")


def _from_text(content: str) -> tuple[str, str]:
    title, _newline, body = content.lstrip("\ufeff").partition("\n")
    return title.strip(), body


def _from_html(content: str) -> tuple[str, str, dt.date | None]:
    import trafilatura

    document = trafilatura.bare_extraction(content, with_metadata=True, include_comments=False, include_tables=False)
    if document is None:
        return "", "", None
    title = (document.title or "").strip()
    # trafilatura gives one paragraph a line; the heading repeats the title.
    lines = [line for line in (document.text or "").splitlines() if line.strip()]
    if lines and " ".join(lines[0].split()) == " ".join(title.split()):
        lines = lines[1:]
    # htmldate (inside trafilatura) takes no date after today, so a page's wrong clock does not
    # make the Source's date check refuse the article.
    return title, "\n\n".join(lines), _date(document.date)


def read_article(path: Path, meta: dict | None = None) -> ReadArticle:
    """The article in ``path``; ``meta`` is its row of ``index.jsonl`` if there is one."""
    meta = meta or {}
    try:
        size = path.stat().st_size
    except OSError:
        raise ReadError("cannot be read (no such file, or no permission).", "unreadable") from None
    if not path.is_file():
        raise ReadError("is not a file.", "unreadable")
    if size == 0:
        raise ReadError("is empty.", "empty")
    if size > MAX_BYTES:
        raise ReadError(f"is {size // (1024 * 1024)} MB; an article is at most {MAX_BYTES // (1024 * 1024)} MB.", "too_big")
    return read_bytes(path.read_bytes(), meta, html=path.suffix.lower() in HTML_SUFFIXES or None)


HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def read_bytes(raw: bytes, meta: dict | None = None, *, html: bool | None = None, charset: str | None = None) -> ReadArticle:
    """The article in ``raw``, the content of a file or of a fetched page. ``html``: True or False
    when the name or the server says which it is, None to tell by the content; ``charset`` the
    encoding a server declared, tried after UTF-8 (never a guess)."""
    if not raw:
        raise ReadError("is empty.", "empty")
    if b"\x00" in raw[:8192]:
        raise ReadError("is a binary file, not text or HTML.", "binary")
    content = None
    if charset:
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                content = raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                content = None
    if content is None:
        content = _decode(raw)
    return read_document(content, meta, html=html)


def read_document(content: str, meta: dict | None = None, *, html: bool | None = None) -> ReadArticle:
    """The article in ``content`` (decoded text or HTML); see ``read_bytes``."""
    meta = meta or {}
    if html is None:
        start = content.lstrip("\ufeff \t\r\n")[:200].lower()
        html = start.startswith("<!doctype html") or start.startswith("<html")
    if html:
        title, body, published = _from_html(content)
    else:
        (title, body), published = _from_text(content), None
    body = normalize_text(body)
    title = " ".join(title.split())
    if sum(1 for ch in body if ch.isalpha()) < MIN_LETTERS:
        raise (ReadError("is HTML with no article in it.", "no_article") if html
               else ReadError("has no article text (too short to be one).", "too_short"))
    if not title:
        raise ReadError("has no title (the first line of a text file is the title).", "no_title")
    language = detect_language(body)
    if language is None:
        raise ReadError("is not in Ukrainian, Russian, English or Crimean Tatar.", "language")
    if meta.get("language") and meta["language"] != language:
        # The index is a person's word, the text is the fact: say so rather than pick silently.
        raise ReadError(f"reads as {language} but index.jsonl says {meta['language']}.", "index_language")
    return ReadArticle(
        title=title[:500], text=body, language=language,
        published=_date(meta.get("published")) or published,
        outlet=str(meta.get("source") or "")[:300], url=str(meta.get("url") or "")[:2000],
    )
