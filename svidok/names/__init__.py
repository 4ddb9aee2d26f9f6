"""Names across scripts, as a library: no Django models, no database.

The public API, re-exported from :mod:`svidok.names.text` (normalization, romanization,
lemmatization, display names, validation) so that callers write ``from svidok.names import fold``.
The matcher is :mod:`svidok.names.matching` (shapes, scoring, the index); Crimean Tatar
transliteration is :mod:`svidok.names.crh`; given names that are one name across languages
(Oleksandr / Aleksandr / Alexander) are :mod:`svidok.names.given`. The apps above (people, sanctions) feed the matcher
their records; this package never reads them itself.
"""

from svidok.names.text import (
    CRH_SCHEME,
    MAX_NAME_LENGTH,
    MAX_NAME_WORDS,
    RU_SCHEMES,
    UK_SCHEMES,
    analyzer,
    check_name,
    cyrillic_languages,
    display_name,
    fold,
    fold_words,
    has_cyrillic,
    is_known_name,
    lemmatize,
    match_forms,
    mixed_words,
    name_parses,
    repair_homoglyphs,
    romanizations,
)

__all__ = [
    "CRH_SCHEME", "MAX_NAME_LENGTH", "MAX_NAME_WORDS", "RU_SCHEMES", "UK_SCHEMES", "analyzer", "check_name",
    "cyrillic_languages", "display_name", "fold", "fold_words", "has_cyrillic", "is_known_name", "lemmatize", "match_forms",
    "mixed_words", "name_parses", "repair_homoglyphs", "romanizations",
]
