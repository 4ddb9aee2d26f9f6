"""The matcher's index store (``IndexCache`` with a directory): an index built by one process is read
by the next one for the same state, rebuilt for another, and a bad file or directory never fails a
match. Real files; the cross-process case in a real second Python process."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from svidok.names.index import IndexCache, MatchIndex
from svidok.names.shapes import make_entry

ENTRIES = [
    ("p1", "Mikhail Grigorievich Malyshev", ["Михаил Григорьевич Малышев"]),
    ("p2", "Inna Nikolayevna Guzeyeva", ["Инна Николаевна Гузеева"]),
    ("p3", "Ayder Umerov", []),
]


def entries(extra=()):
    return [make_entry(id=i, schema="Person", caption=caption, names=[caption, *others])
            for i, caption, others in [*ENTRIES, *extra]]


class Builds:
    """A ``build`` function that counts its calls."""

    def __init__(self, extra=()):
        self.calls = 0
        self.extra = extra

    def __call__(self):
        self.calls += 1
        return entries(self.extra)


def ids(index, name):
    return [r.entry.id for r in index.match(name).results]


def test_a_new_cache_reads_the_stored_index_instead_of_building_it(tmp_path):
    first, second = Builds(), Builds()

    built = IndexCache(tmp_path).get("list:eu", ("state", 1), first)
    read = IndexCache(tmp_path).get("list:eu", ("state", 1), second)  # as a new process would

    assert (first.calls, second.calls) == (1, 0)
    assert (built.load_seconds, read.load_seconds is not None) == (None, True)
    assert ids(read, "Михаила Малышева") == ids(built, "Михаила Малышева") == ["p1"]
    assert len(read) == 3 and read.vocabulary_size == built.vocabulary_size
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".pickle"] == [IndexCache(tmp_path).path("list:eu").name]


def test_another_state_rebuilds_and_replaces_the_stored_index(tmp_path):
    IndexCache(tmp_path).get("registry", ("state", 1), Builds())
    changed = Builds(extra=[("p4", "Sergei Ivanov", [])])

    index = IndexCache(tmp_path).get("registry", ("state", 2), changed)
    again = Builds()
    reread = IndexCache(tmp_path).get("registry", ("state", 2), again)

    assert (changed.calls, again.calls) == (1, 0)
    assert ids(index, "Sergei Ivanov") == ids(reread, "Sergei Ivanov") == ["p4"]
    assert len([p for p in tmp_path.iterdir() if p.suffix == ".pickle"]) == 1


def test_each_key_has_its_own_file_whose_name_says_nothing_of_the_key(tmp_path):
    cache = IndexCache(tmp_path)
    cache.get("list:eu-269", 1, Builds())
    cache.get("list:другий", 1, Builds())

    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pickle")
    assert len(names) == 2 and not any("eu" in n or "друг" in n for n in names)


def test_a_damaged_file_is_rebuilt_with_a_warning(tmp_path, caplog):
    IndexCache(tmp_path).get("registry", 1, Builds())
    path = IndexCache(tmp_path).path("registry")
    path.write_bytes(path.read_bytes()[:200])  # cut short, as by a full disk
    builds = Builds()

    with caplog.at_level(logging.WARNING, logger="svidok.names.index"):
        index = IndexCache(tmp_path).get("registry", 1, builds)

    assert (builds.calls, ids(index, "Ayder Umerov")) == (1, ["p3"])
    assert "could not be read" in caplog.text
    assert IndexCache(tmp_path).get("registry", 1, Builds()).load_seconds is not None  # written again, whole


def test_a_directory_that_cannot_be_written_keeps_the_index_in_memory(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    cache = IndexCache(blocked / "names")
    builds = Builds()

    with caplog.at_level(logging.WARNING, logger="svidok.names.index"):
        index = cache.get("registry", 1, builds)
        again = cache.get("registry", 1, builds)

    assert (builds.calls, again is index, ids(index, "Inna Guzeeva")) == (1, True, ["p2"])
    assert "stays in memory" in caplog.text


def test_the_birth_date_reader_belongs_to_the_process_not_the_file(tmp_path):
    def reader(found):
        return {}

    IndexCache(tmp_path).get("registry", 1, Builds(), birth_dates=reader)

    read = IndexCache(tmp_path).get("registry", 1, Builds(), birth_dates=reader)
    unread = IndexCache(tmp_path).get("registry", 1, Builds())

    assert (read.birth_dates, unread.birth_dates) == (reader, None)


def test_another_python_process_reads_the_stored_index(tmp_path):
    IndexCache(tmp_path).get("list:eu", ("state", 7), Builds())
    script = (
        "import json, sys\n"
        "from svidok.names.index import IndexCache\n"
        "def build():\n"
        "    raise SystemExit('built again')\n"
        f"index = IndexCache({str(tmp_path)!r}).get('list:eu', ('state', 7), build)\n"
        "print(json.dumps([index.load_seconds is not None, [r.entry.id for r in index.match('Inna Guzeeva').results]]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=settings.BASE_DIR, env=env,
                          timeout=300, check=False)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, ["p2"]]


def test_a_pickled_index_leaves_out_its_per_process_parts():
    index = MatchIndex(entries())
    index.match("Ayder Umerov")  # fills the cache of similar words

    state = index.__getstate__()

    assert not {"_similar", "_similar_lock", "birth_dates"} & set(state)


@pytest.mark.django_db
def test_the_app_stores_indexes_under_the_var_directory():
    from svidok.names.index import CACHE

    assert CACHE.directory == settings.VAR_DIR / "cache" / "names"
