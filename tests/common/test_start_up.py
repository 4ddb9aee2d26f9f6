"""What a process loads to start: the URLs and every app, without the heavy libraries only some
requests need (docs/decisions.md, decision 79). Each `svidok` process — web, worker, command —
pays for what is imported here."""

import json
import os
import subprocess
import sys

HEAVY = ["followthemoney", "pandas", "scipy", "matplotlib", "weasyprint"]

PROBE = f"""
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every app's URLs and views
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_urls_and_apps_load_without_the_heavy_libraries(tmp_path):
    env = {**os.environ, "SVIDOK_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "svidok.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_reading_a_list_still_loads_followthemoney(tmp_path):
    """The lazy import is the one the reader uses: a FollowTheMoney line is read into an entity."""
    from svidok.sanctions import lists

    line = json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Synthetic Person"]}})
    parsed = lists.read_ftm(line.encode(), source="synthetic")

    assert [(e.schema, e.names) for e in parsed.entities] == [("Person", ["Synthetic Person"])]
