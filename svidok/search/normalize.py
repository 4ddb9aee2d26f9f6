"""Spelling-independent search keys.

A word is romanized in every way a reader might have written it (Ukrainian national
transliteration, a Russian one, and a generic transliteration for everything else, Crimean Tatar
Latin included), then folded to a phonetic skeleton in which the usual spelling variants collapse:
``Бахчисарай``, ``Bakhchysarai``, ``Bakhchisaray`` and ``Bağçasaray`` all give ``bakcasara``.
The same functions build the stored keys and the query keys, so both sides always agree.
"""

import functools
import re
import unicodedata

import iuliia
from anyascii import anyascii
from translitua import translit

MAX_KEY_LENGTH = 40
MIN_TOKEN_LENGTH = 2
MAX_QUERY_LENGTH = 500

_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*", re.UNICODE)
_APOSTROPHES = re.compile(r"['’ʼ`]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Order matters: longer clusters first. The classes are deliberately coarse: Cyrillic г is "h" in
# Ukrainian and "g" in Russian, х is "kh", "h" or "x", Crimean Tatar spells the same sounds q/ğ/c/ç,
# German and Polish spellings use sch/tsch/cz.
_CLUSTERS = (
    ("shch", "s"), ("tsch", "c"), ("dzh", "c"), ("sch", "s"), ("tch", "c"), ("tsh", "c"),
    ("ch", "c"), ("cz", "c"), ("dj", "c"), ("ts", "c"), ("tz", "c"), ("sh", "s"), ("sz", "s"),
    ("zh", "z"), ("kh", "k"), ("ph", "f"), ("ck", "k"),
)
_CLASSES = str.maketrans({
    "g": "k", "h": "k", "q": "k", "x": "k",
    "w": "v",
    # Vowels (and the j/y glides that spell ї, є, ю, я, й) are one class: the transliterations
    # disagree about them more than about anything else (Курбединов: Kurbedynov/Kurbedinov;
    # Гузеева: Huzieieva/Guzeeva; Bağçasaray/Bakhchysarai).
    "e": "a", "i": "a", "o": "a", "u": "a", "y": "a", "j": "a",
})
_NON_KEY = re.compile(r"[^a-z0-9]")
_REPEATS = re.compile(r"([a-z])\1+")


def words(text: str) -> list[str]:
    """The words of ``text`` (apostrophes inside a word kept with it), lower-cased."""
    return [w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", text or ""))]


def romanizations(word: str) -> set[str]:
    """Plausible Latin spellings of ``word``: Ukrainian KMU 2010 and Russian for Cyrillic, generic otherwise."""
    word = _APOSTROPHES.sub("", word)
    if _CYRILLIC.search(word):
        found = {translit(word), iuliia.WIKIPEDIA.translate(word)}
        return {anyascii(f).lower() for f in found}
    return {anyascii(word).lower()}


def skeleton(latin: str) -> str:
    """Fold a romanized word to its phonetic skeleton (lower-case ASCII letters and digits)."""
    text = _NON_KEY.sub("", latin.lower())
    if text.isdigit():
        return text[:MAX_KEY_LENGTH]
    for cluster, replacement in _CLUSTERS:
        text = text.replace(cluster, replacement)
    text = text.translate(_CLASSES)
    return _REPEATS.sub(r"\1", text)[:MAX_KEY_LENGTH]


@functools.lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """Every key of one word; empty for words too short to search by."""
    keys = {skeleton(r) for r in romanizations(word)}
    return frozenset(k for k in keys if len(k) >= MIN_TOKEN_LENGTH or k.isdigit())


def text_keys(text: str, *, limit: int | None = None) -> set[str]:
    """The keys of all words of ``text``; with ``limit``, of its first ``limit`` distinct words only."""
    keys: set[str] = set()
    seen: set[str] = set()
    for word in words(text):
        if word in seen:
            continue
        seen.add(word)
        if limit is not None and len(seen) > limit:
            break
        keys |= word_keys(word)
    return keys


def query_keys(q: str) -> list[set[str]]:
    """For each searchable word of a query, the set of keys any of which may match (as a prefix)."""
    result = []
    for word in dict.fromkeys(words((q or "")[:MAX_QUERY_LENGTH])):
        keys = set(word_keys(word))
        # A final vowel is dropped too, so that the word is a prefix of the other form:
        # Михайло/Mikhail, Малишева/Malyshev, Сергію/Sergei.
        keys |= {k[:-1] for k in keys if len(k) > 3 and k.endswith("a")}
        if keys:
            result.append(keys)
    return result
