"""Crimean Tatar Cyrillic <-> official Latin alphabet (1997), table-driven.

No kept library covers Crimean Tatar, so the tables are here; docs/names.md gives them with their
sources. The Cyrillic orthography does not mark every sound the Latin alphabet has letters for:

- ``ö``/``ü`` are spelled ``ё``/``ю`` after most consonants (``Аксёнов`` -> ``Aksönov``,
  ``тюрк`` -> ``türk``), but plain ``о``/``у`` after ``к``/``г`` (``кой`` = ``köy``) and in the
  first syllable of many native words; only ``у`` + consonant + ``ь`` (``Гульнара`` -> ``Gülnara``)
  is read as ``ü`` here, since the same shapes spell Russian names (``Козенко``, ``Игорь``,
  ``Ольга``) that the Crimean Tatar press writes with ``o``.
- ``я`` is ``ya`` at the start of a word, after a vowel or a hard/soft sign (``Акъяр`` -> ``Aqyar``)
  and ``â`` after a consonant (``Ислям`` -> ``İslâm``); ``е``, ``ё`` and ``ю`` likewise.

So Cyrillic -> Latin -> Cyrillic is exact for names spelled with the explicit letters, and
Latin -> Cyrillic -> Latin loses ``ö``/``ü`` written ``о``/``у``; the tests list both kinds.
"""

import re

_CYR_VOWELS = frozenset("аеёиоуыэюяі")
_CYR_SIGNS = frozenset("ьъ")

# Cyrillic digraphs first: the hard sign makes к, г, н back consonants (q, ğ, ñ).
_CYR_DIGRAPHS = {"къ": "q", "гъ": "ğ", "нъ": "ñ", "дж": "c"}
_CYR_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "j", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şç", "ы": "ı", "э": "e",
    "ъ": "", "ь": "",
    # Ukrainian letters that turn up in Crimean Tatar names written by Ukrainian offices.
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}
# (after a consonant, at the start / after a vowel or sign)
_CYR_IOTATED = {"е": ("e", "ye"), "я": ("â", "ya"), "ё": ("ö", "yo"), "ю": ("ü", "yu")}
_FRONT_ROUNDED = {"yo": "yö", "yu": "yü", "o": "ö", "u": "ü"}

_LAT_LETTERS = {
    "a": "а", "b": "б", "c": "дж", "ç": "ч", "d": "д", "f": "ф", "g": "г", "ğ": "гъ", "h": "х",
    "ı": "ы", "i": "и", "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "ñ": "нъ", "o": "о",
    "p": "п", "q": "къ", "r": "р", "s": "с", "ş": "ш", "t": "т", "u": "у", "v": "в", "z": "з",
}
_LAT_VOWELS = frozenset("aâeıioöuü")
_LAT_Y_VOWELS = {"a": "я", "e": "е", "u": "ю", "ü": "ю", "o": "ё", "ö": "ё"}
# Consonants that end in a hard sign already: "ya" after them is plain "я" (Aqyar -> Акъяр).
_LAT_HARD = frozenset("qğñ")

_CYR_WORD = re.compile(r"[\u0400-\u04ff]+")
_LAT_WORD = re.compile(r"[A-Za-zÂâÇçĞğİıÑñÖöŞşÜü]+")


def _upper(text: str) -> str:
    # Turkic casing: i <-> İ, ı <-> I (str.upper() would give "I" for both).
    return "".join("İ" if c == "i" else c.upper() for c in text)


def _lower(text: str) -> str:
    return "".join("i" if c == "İ" else "ı" if c == "I" else c.lower() for c in text)


def _restore_case(units: list[tuple[str, str]], word_upper: bool) -> str:
    """Join (output, source) units, giving each the case of its source."""
    out = []
    for text, source in units:
        if not text:
            continue
        if source[:1].isupper():
            out.append(_upper(text) if word_upper else _upper(text[0]) + text[1:])
        else:
            out.append(text)
    return "".join(out)


def _is_upper_word(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _front_follows(lower: str, i: int) -> bool:
    """Whether the syllable after position ``i`` is marked front: one or two consonants, then
    е/ё/ю/э, or ь before a consonant or the end (Юксель -> Yüksel; Юрий, Юрьевич stay Yu-)."""
    j = i + 1
    consonants = 0
    while j < len(lower) and lower[j] not in _CYR_VOWELS and lower[j] not in _CYR_SIGNS:
        consonants += 1
        j += 1
    if not 1 <= consonants <= 2 or j >= len(lower):
        return False
    if lower[j] in "еёюэ":
        return True
    return lower[j] == "ь" and (j + 1 == len(lower) or lower[j + 1] not in _CYR_VOWELS)


def _word_to_latin(word: str) -> str:
    lower = word.lower()
    units: list[tuple[str, str]] = []
    i = 0
    while i < len(lower):
        pair = lower[i:i + 2]
        if pair in _CYR_DIGRAPHS:
            units.append((_CYR_DIGRAPHS[pair], word[i:i + 2]))
            i += 2
            continue
        char = lower[i]
        prev = lower[i - 1] if i else ""
        if char in _CYR_IOTATED:
            after_consonant, initial = _CYR_IOTATED[char]
            if prev and prev not in _CYR_VOWELS and prev not in _CYR_SIGNS:
                text = after_consonant
            elif char in "ёю" and ((prev and prev in "еёиюэ") or (prev in ("", "ъ") and _front_follows(lower, i))):
                text = _FRONT_ROUNDED[initial]
            else:
                text = initial
        elif char == "у" and _soft_sign_closes(lower, i):
            text = "ü"
        elif char == "о" and prev == "ь":
            text = "yo"
        elif char == "и" and prev == "ь":
            text = "yi"
        else:
            text = _CYR_LETTERS.get(char, word[i])
        units.append((text, word[i]))
        i += 1
    return _restore_case(units, _is_upper_word(word))


def _soft_sign_closes(lower: str, i: int) -> bool:
    """у + one consonant + ь closing the syllable (Гульнара, кунь, Ишунь)."""
    if i + 2 >= len(lower):
        return False
    consonant, sign = lower[i + 1], lower[i + 2]
    if consonant in _CYR_VOWELS or consonant in _CYR_SIGNS or sign != "ь":
        return False
    return i + 3 == len(lower) or lower[i + 3] not in _CYR_VOWELS


def to_latin(text: str) -> str:
    """Crimean Tatar Cyrillic -> official Latin alphabet; other characters are kept."""
    return _CYR_WORD.sub(lambda m: _word_to_latin(m.group()), text or "")


def _word_to_cyrillic(word: str) -> str:
    lower = _lower(word)
    units: list[tuple[str, str]] = []
    i = 0
    while i < len(lower):
        char = lower[i]
        prev = lower[i - 1] if i else ""
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        source = word[i]
        if char == "y" and nxt in _LAT_Y_VOWELS:
            glide = _LAT_Y_VOWELS[nxt]
            if prev and prev not in _LAT_VOWELS and prev != "y" and prev not in _LAT_HARD:
                glide = "ь" + glide
            units.append((glide, source))
            i += 2
            continue
        if char == "t" and nxt == "s":
            units.append(("ц", source))
            i += 2
            continue
        if char == "ş" and nxt == "ç":
            units.append(("щ", source))
            i += 2
            continue
        if char == "e":
            text = "э" if not prev or prev in _LAT_VOWELS else "е"
        elif char == "â":
            text = "я"
        elif char == "y":
            text = "й"
        elif char in "öü":
            back = "о" if char == "ö" else "у"
            if prev and prev not in _LAT_VOWELS and prev not in "kg":
                text = "ё" if char == "ö" else "ю"
            else:
                text = back
                if _closed_by_one_consonant(lower, i):
                    # кунь, Гульнара: the soft sign is how Cyrillic marks ü/ö here.
                    text = back + _LAT_LETTERS.get(lower[i + 1], lower[i + 1]) + "ь"
                    units.append((text, source))
                    i += 2
                    continue
        else:
            text = _LAT_LETTERS.get(char, source)
        units.append((text, source))
        i += 1
    return _restore_case(units, _is_upper_word(word))


def _closed_by_one_consonant(lower: str, i: int) -> bool:
    if i + 1 >= len(lower) or lower[i + 1] in _LAT_VOWELS or lower[i + 1] not in _LAT_LETTERS:
        return False
    return i + 2 == len(lower) or lower[i + 2] not in _LAT_VOWELS


def to_cyrillic(text: str) -> str:
    """Crimean Tatar official Latin -> Cyrillic; other characters are kept."""
    return _LAT_WORD.sub(lambda m: _word_to_cyrillic(m.group()), text or "")
