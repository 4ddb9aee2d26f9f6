"""Names as each user reads them: the name variant for the user's language (``names.display_name``).

``Person.display_name`` stays the primary name (the pseudonym for a protected person) and is what
exports, audit entries and messages use; pages show :func:`shown_name` instead. Lists prefetch
``names`` so that this costs one query per page, not one per row.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from svidok.names import display_name

LANGUAGES = {"uk": _("Ukrainian"), "ru": _("Russian"), "crh": _("Crimean Tatar"), "en": _("English")}
SCRIPTS = {"Cyrl": _("Cyrillic"), "Latn": _("Latin")}


def user_language(lang: str | None = None) -> str:
    """The active language as a bare code (``uk``, ``en``...)."""
    return (lang or translation.get_language() or "en").split("-")[0].lower()


def shown_name(party, lang: str | None = None) -> str:
    """The name of a person or organization for a user who reads ``lang`` (default: the active
    language). A protected person is always shown by the pseudonym: their names are not variants."""
    if party is None:
        return ""
    if getattr(party, "protected", False):
        return party.display_name
    # .all() uses the prefetched variants when a list view prefetched them.
    return display_name(party.names.all(), user_language(lang)) or party.display_name
