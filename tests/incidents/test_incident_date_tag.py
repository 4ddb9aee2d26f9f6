"""``{% incident_date %}``: an incident's date as precise as it was recorded (the incident table,
the incident page, cases, the review queue)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation


def shown(precision, *, end=None, long=False, language="en"):
    incident = SimpleNamespace(date_start=dt.date(2018, 3, 5), date_end=end, date_precision=precision)
    template = Template("{% load incident_tags %}{% incident_date incident long=long %}")
    with translation.override(language):
        return template.render(Context({"incident": incident, "long": long}))


@pytest.mark.parametrize(("precision", "end", "long", "expected"), [
    ("year", None, False, "2018"),
    ("year", None, True, "2018"),
    ("month", None, False, "03.2018"),
    ("month", None, True, "March 2018"),
    ("approximate", None, False, "≈ 2018-03-05"),
    ("approximate", None, True, "≈ March 5, 2018"),
    ("day", None, False, '<time datetime="2018-03-05">2018-03-05</time>'),
    ("day", dt.date(2018, 3, 7), False,
     '<time datetime="2018-03-05">2018-03-05</time> – <time datetime="2018-03-07">2018-03-07</time>'),
    ("day", None, True, '<time datetime="2018-03-05">March 5, 2018</time>'),
])
def test_each_precision(precision, end, long, expected):
    assert shown(precision, end=end, long=long) == expected


def test_the_long_form_is_in_the_readers_language():
    assert shown("day", long=True, language="uk") == '<time datetime="2018-03-05">05 березня 2018 р.</time>'
