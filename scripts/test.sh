#!/usr/bin/env bash
# The whole test suite: lint and Django checks, then pytest on SQLite and on a throwaway PostgreSQL.
#   scripts/test.sh [PYTEST ARGS...]     e.g. scripts/test.sh tests/browser -x
# SVIDOK_TEST_WORKERS sets the number of pytest workers (default: one per core; 0 runs in one process).
# Both pytest runs always happen (each prints its summary line); the exit status is non-zero when
# either fails. The PostgreSQL run leaves out the tests that cannot reach a database (they ran on SQLite). Nothing is written into the repository: var/ is a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
if [ -z "${SVIDOK_VAR_DIR:-}" ]; then
  SVIDOK_VAR_DIR=$(mktemp -d /tmp/svidok-test-var.XXXXXX)
  trap 'rm -rf "$SVIDOK_VAR_DIR"' EXIT
fi
export SVIDOK_VAR_DIR
# Compiled bytecode for this run, kept in its private temporary directory (never in the repository,
# never in a directory another local user could write): the suite starts a Python process for every
# worker and for each command-line test, and without a cache each one compiles the project's modules
# and pytest rewrites every test module again. The checks below fill it before pytest starts.
# Measured on the process tests (tests/common/test_serve.py and five more): 63 s without, 48 s with.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$SVIDOK_VAR_DIR/pycache"
# WhiteNoise warns on every request when STATIC_ROOT is missing; the tests serve static files from the finders.
mkdir -p "$SVIDOK_VAR_DIR/static"
export SVIDOK_PLAIN_STATIC=1
# A stray DATABASE_URL in the caller's environment would turn the "SQLite" run into something else.
unset DATABASE_URL
echo "== ruff"
ruff check --no-cache .
echo "== import layers (lint-imports: no cycle, no upward import; contracts in pyproject.toml)"
lint-imports --no-cache
echo "== django checks"
# The identity key of this run's var directory (the check warns without one; the tests make their own).
svidok keys init --if-missing
svidok check --fail-level WARNING
svidok makemigrations --check --dry-run
svidok compilemessages --ignore=.venv -v0
# One pytest worker per core (pytest-xdist); each worker has its own test database on both backends.
workers=(-n "${SVIDOK_TEST_WORKERS:-auto}")
status=0
echo "== tests on SQLite"
pytest -q "${workers[@]}" "$@" || status=1
# Only the tests that can reach a database: the others ran above (docs/decisions.md, decision 40).
echo "== tests on PostgreSQL"
pg_status=0
SVIDOK_TESTS_DATABASE_ONLY=1 scripts/with-postgres.sh pytest -q "${workers[@]}" "$@" || pg_status=$?
# 5: every test asked for cannot reach a database (e.g. scripts/test.sh tests/names), so none is left here.
if [ "$pg_status" != 0 ] && [ "$pg_status" != 5 ]; then status=1; fi
if [ "$status" != 0 ]; then
  echo "== FAILED (see the summaries above)" >&2
fi
exit "$status"
