"""One benchmark step on each database, in a child process on a fresh database.

SQLite in a temporary var directory; PostgreSQL in a throwaway cluster started by
``scripts/with-postgres.sh``. The child writes its figures as JSON into the file it is given.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_databases(script: str, databases: list[str], child_args) -> dict:
    """Run ``bench/SCRIPT *child_args(out)`` once per database; returns ``{database: figures}``."""
    results = {}
    for db in databases:
        if db not in ("sqlite", "postgresql"):
            raise SystemExit(f"unknown database {db!r}")
        with tempfile.TemporaryDirectory(prefix=f"svidok-bench-{Path(script).stem}-{db}-") as tmp:
            out = Path(tmp) / "result.json"
            env = dict(os.environ, SVIDOK_VAR_DIR=tmp, SVIDOK_PLAIN_STATIC="1")
            env.pop("DATABASE_URL", None)
            # The identity vault's key of this fresh installation (the registry seals identities with it).
            subprocess.run([str(Path(sys.executable).parent / "svidok"), "keys", "init", "--if-missing"], env=env,
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            cmd = [sys.executable, str(ROOT / "bench" / script), *child_args(out)]
            if db == "postgresql":
                cmd = [str(ROOT / "scripts" / "with-postgres.sh"), *cmd]
                os.chmod(tmp, 0o777)  # the cluster's server runs as another account
            subprocess.run(cmd, env=env, cwd=ROOT, check=True)
            results[db] = json.loads(out.read_text())
    return results
