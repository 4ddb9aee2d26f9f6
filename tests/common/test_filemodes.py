"""What Svidok writes under var/ is its user's alone: 0600 files in 0700 directories.

The commands run as a deployment runs them: a ``svidok`` subprocess started with the permissive
umask of a usual shell (022), on real files.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from svidok.common.filemodes import SharedDirectory, restrict_tree

SVIDOK = [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())"]
# Opens the database, writes (so that SQLite makes its -wal and -shm) and reports modes while the
# connection is open: the last connection to close removes -wal and -shm.
REPORT = """
import json, os, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
names = ["", "svidok.sqlite3", "svidok.sqlite3-wal", "svidok.sqlite3-shm", "secret_key", "static", "old-export.csv",
         "evidence", "evidence/ab", "evidence/ab/cdef", "shared.txt"]
print(json.dumps({name: oct(stat.S_IMODE(os.lstat(settings.VAR_DIR / name).st_mode)) for name in names}))
"""


def svidok(var, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "SVIDOK_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([*SVIDOK, *args], env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.umask(0o022))


def test_setup_creates_the_database_private_and_makes_older_files_private(tmp_path):
    var = tmp_path / "var"
    # What an older version left: readable by every local user.
    (var / "evidence" / "ab").mkdir(parents=True, mode=0o755)
    for directory in (var, var / "evidence", var / "evidence" / "ab"):
        directory.chmod(0o755)
    for name in ("old-export.csv", "evidence/ab/cdef"):
        (var / name).write_text("synthetic")
        (var / name).chmod(0o644)
    outside = tmp_path / "shared.txt"
    outside.write_text("not Svidok's")
    outside.chmod(0o644)
    (var / "shared.txt").symlink_to(outside)

    setup = svidok(var, "setup")
    report = svidok(var, "shell", "--no-imports", "-c", REPORT)

    assert (setup.returncode, report.returncode) == (0, 0), setup.stderr + report.stderr
    assert json.loads(report.stdout) == {
        "": "0o700", "svidok.sqlite3": "0o600", "svidok.sqlite3-wal": "0o600", "svidok.sqlite3-shm": "0o600",
        "secret_key": "0o600", "static": "0o700", "old-export.csv": "0o600",
        "evidence": "0o700", "evidence/ab": "0o700", "evidence/ab/cdef": "0o600",
        "shared.txt": "0o777",  # the link itself; neither followed nor changed
    }
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


def test_a_command_writes_private_files_whatever_the_shell_umask(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code = f"from pathlib import Path; Path({str(out / 'written')!r}).write_text('x'); Path({str(out / 'made')!r}).mkdir()"

    result = svidok(tmp_path / "var", "shell", "--no-imports", "-c", code)

    assert result.returncode == 0, result.stderr
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in out.iterdir()} == {"written": "0o600", "made": "0o700"}


def test_restrict_tree_keeps_owner_bits_and_reports_what_it_changed(tmp_path):
    (tmp_path / "d").mkdir(mode=0o755)
    (tmp_path / "d").chmod(0o755)
    script = tmp_path / "d" / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    private = tmp_path / "d" / "already"
    private.write_text("x")
    private.chmod(0o600)

    changed = restrict_tree(tmp_path / "d")

    assert sorted(path.name for path in changed) == ["d", "run.sh"]
    assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in (tmp_path / "d", script, private)] == ["0o700", "0o700", "0o600"]


def test_restrict_tree_changes_nothing_in_a_directory_shared_with_another_account(tmp_path, monkeypatch):
    shared = tmp_path / "lib"
    (shared / "postgresql").mkdir(parents=True)
    (shared / "svidok.sqlite3").write_text("x")
    (shared / "svidok.sqlite3").chmod(0o644)
    real_lstat = Path.lstat

    def lstat(path):  # another account's directory, as under /var/lib (tests cannot chown)
        info = real_lstat(path)
        if path.name != "postgresql":
            return info
        return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink, os.getuid() + 1, *info[5:]))

    monkeypatch.setattr(Path, "lstat", lstat)

    with pytest.raises(SharedDirectory) as raised:
        restrict_tree(shared)

    assert str(raised.value) == str(shared / "postgresql")
    assert oct(stat.S_IMODE((shared / "svidok.sqlite3").stat().st_mode)) == "0o644"
