#!/usr/bin/env bash
# The whole test suite: lint and Django checks, then pytest on SQLite and on a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export SVIDOK_VAR_DIR="${SVIDOK_VAR_DIR:-$(mktemp -d /tmp/svidok-test-var.XXXXXX)}"
export SVIDOK_PLAIN_STATIC=1
echo "== ruff"
ruff check svidok tests bench
echo "== django checks"
svidok check --fail-level WARNING
svidok makemigrations --check --dry-run
svidok compilemessages --ignore=.venv -v0
echo "== tests on SQLite"
pytest -q "$@"
echo "== tests on PostgreSQL"
scripts/with-postgres.sh pytest -q "$@"
