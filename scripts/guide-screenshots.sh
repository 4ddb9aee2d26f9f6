#!/usr/bin/env bash
# The user guide's screenshots (docs/user-guide.md), made by the browser tests that walk each step.
#   scripts/guide-screenshots.sh [PYTEST ARGS...]      (or: make guide)
# Runs, one file per process (-p no:xdist), the browser test files that take the images the guide
# shows, with SVIDOK_SCREENSHOT_DIR set to a temporary directory and the environment of
# scripts/test.sh; then replaces docs/guide/ with exactly the images the guide references. Fails,
# naming them, when the guide shows an image no test takes or no test produced, and when a test
# fails (the picture of a broken step is not a guide). Commit docs/guide/ with the guide.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
work=$(mktemp -d /tmp/svidok-guide.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -z "${SVIDOK_VAR_DIR:-}" ]; then
  SVIDOK_VAR_DIR="$work/var"
fi
export SVIDOK_VAR_DIR
mkdir -p "$SVIDOK_VAR_DIR/static"
export SVIDOK_PLAIN_STATIC=1
unset DATABASE_URL
export SVIDOK_SCREENSHOT_DIR="$work/shots"

# Which test files take the guide's images (fails, naming the images, when some test is missing).
mapfile -t tests < <(python scripts/guide_images.py tests)
mapfile -t images < <(python scripts/guide_images.py images)
svidok keys init --if-missing >/dev/null
svidok compilemessages --ignore=.venv -v0
echo "== ${#tests[@]} browser test files for ${#images[@]} images"
# One pytest process per file: a test that leaves the live server's in-memory SQLite database
# locked (seen with the news import page after other files) then fails only itself, and says so.
failed=()
for file in "${tests[@]}"; do
  echo "-- $file"
  # Once more on failure: on a loaded machine a page can miss the tests' 10 s timeout. A file that
  # passes the second time asserted everything the first did; one that fails twice stops the run.
  pytest -q -p no:xdist "$file" "$@" || { echo "-- $file failed; once more"; pytest -q -p no:xdist "$file" "$@"; } \
    || failed+=("$file")
done
if [ "${#failed[@]}" != 0 ]; then
  echo "browser tests failed, docs/guide/ left as it was: ${failed[*]}" >&2
  exit 1
fi

missing=()
for image in "${images[@]}"; do
  [ -f "$SVIDOK_SCREENSHOT_DIR/$image" ] || missing+=("$image")
done
if [ "${#missing[@]}" != 0 ]; then
  echo "docs/user-guide.md shows images that no test produced (a test skipped, or the shot is on a path not taken): ${missing[*]}" >&2
  exit 1
fi
mkdir -p docs/guide
rm -f docs/guide/*.png
for image in "${images[@]}"; do
  cp "$SVIDOK_SCREENSHOT_DIR/$image" docs/guide/
done
echo "== docs/guide/: ${#images[@]} images"
big=$(find docs/guide -name '*.png' -size +300k -printf '%f (%s bytes)\n')
if [ -n "$big" ]; then
  echo "larger than 300 KB (take a viewport or locator screenshot instead): $big" >&2
  exit 1
fi
