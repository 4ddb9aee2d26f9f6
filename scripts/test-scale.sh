#!/usr/bin/env bash
# The scale-out test (tests/scale/test_scale_out.py): on loopback, a PostgreSQL primary and a streaming
# replica, an S3-compatible server, two web processes and two workers, under a short mixed load.
#   scripts/test-scale.sh [PYTEST ARGS...]
# It makes its own clusters and processes (and removes them); it prints its figures (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# pytest's own settings (the test process) get a temporary var/ too: nothing is written into the repository.
SVIDOK_VAR_DIR=$(mktemp -d /tmp/svidok-test-var.XXXXXX)
trap 'rm -rf "$SVIDOK_VAR_DIR"' EXIT
export SVIDOK_VAR_DIR SVIDOK_PLAIN_STATIC=1 SVIDOK_TESTS_SCALE=1
mkdir -p "$SVIDOK_VAR_DIR/static"
unset DATABASE_URL DATABASE_REPLICA_URLS
# Not exec: the trap above removes the temporary var/ when pytest ends.
pytest -q -p no:xdist -s tests/scale "$@"
