"""The interface languages Django does not know (Crimean Tatar), and the date words they need.

Django ships a name and a catalogue for English, Ukrainian and Russian, but nothing for Crimean
Tatar (``crh``, Latin script): ``get_language_info("crh")`` raises ``KeyError`` and the month and
weekday names of ``|date`` stay English. :func:`register_languages` (called from
``CommonConfig.ready``) adds the language to Django's ``LANG_INFO``; the date words below are marked
for translation here so that ``makemessages`` copies Django's own msgids into our catalogues, where
the crh translator gives them (docs/translating.md). For uk and ru our catalogues repeat Django's
own translations, which they would otherwise override. The same holds for the messages of Django's
forms, validators and sign-in form that reach Svidok's pages (``DJANGO_MESSAGES``).
"""

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

# Django's LANG_INFO shape; "Qırımtatarca" is how Crimean Tatar speakers name the language.
CRIMEAN_TATAR = {"bidi": False, "code": "crh", "name": "Crimean Tatar", "name_local": "Qırımtatarca"}


def register_languages():
    """Make ``get_language_info`` and ``{% get_language_info %}`` know Crimean Tatar (idempotent)."""
    LANG_INFO.setdefault("crh", CRIMEAN_TATAR)


# The msgids of django.utils.dates (and of the am/pm marks of django.utils.dateformat), repeated so
# that makemessages extracts them. Never used from here: Django looks them up itself.
DATE_WORDS = [
    gettext_noop("Monday"), gettext_noop("Tuesday"), gettext_noop("Wednesday"), gettext_noop("Thursday"),
    gettext_noop("Friday"), gettext_noop("Saturday"), gettext_noop("Sunday"),
    gettext_noop("Mon"), gettext_noop("Tue"), gettext_noop("Wed"), gettext_noop("Thu"),
    gettext_noop("Fri"), gettext_noop("Sat"), gettext_noop("Sun"),
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"), gettext_noop("April"),
    gettext_noop("May"), gettext_noop("June"), gettext_noop("July"), gettext_noop("August"),
    gettext_noop("September"), gettext_noop("October"), gettext_noop("November"), gettext_noop("December"),
    gettext_noop("jan"), gettext_noop("feb"), gettext_noop("mar"), gettext_noop("apr"), gettext_noop("may"),
    gettext_noop("jun"), gettext_noop("jul"), gettext_noop("aug"), gettext_noop("sep"), gettext_noop("oct"),
    gettext_noop("nov"), gettext_noop("dec"),
    pgettext_lazy("abbrev. month", "Jan."), pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"), pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"), pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"), pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."), pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."), pgettext_lazy("abbrev. month", "Dec."),
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"), pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December"),
    gettext_noop("a.m."), gettext_noop("p.m."), gettext_noop("AM"), gettext_noop("PM"),
    gettext_noop("midnight"), gettext_noop("noon"),
]


# Messages of Django's form fields, validators and sign-in form (django.contrib.auth) that Svidok's
# pages show as they are: without them a Crimean Tatar page would show them in English.
DJANGO_MESSAGES = [
    gettext_noop('Enter a valid value.'),
    gettext_noop('Enter a valid URL.'),
    gettext_noop('Enter a valid email address.'),
    gettext_noop('Ensure this value is less than or equal to %(limit_value)s.'),
    gettext_noop('Ensure this value is greater than or equal to %(limit_value)s.'),
    ngettext_lazy('Ensure this value has at most %(limit_value)d character (it has %(show_value)d).', 'Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).', "limit_value"),
    ngettext_lazy('Ensure this value has at least %(limit_value)d character (it has %(show_value)d).', 'Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).', "limit_value"),
    gettext_noop('Enter a number.'),
    gettext_noop('Enter a whole number.'),
    gettext_noop('Enter a valid time.'),
    gettext_noop('Enter a valid date/time.'),
    gettext_noop('No file was submitted. Check the encoding type on the form.'),
    gettext_noop('No file was submitted.'),
    gettext_noop('The submitted file is empty.'),
    gettext_noop('Select a valid choice. %(value)s is not one of the available choices.'),
    gettext_noop('Select a valid choice. That choice is not one of the available choices.'),
    gettext_noop('Enter a valid UUID.'),
    gettext_noop('Enter a valid JSON.'),
    gettext_noop('Please enter a correct %(username)s and password. Note that both fields may be case-sensitive.'),
    gettext_noop('This account is inactive.'),
]
