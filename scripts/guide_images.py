"""Which images the user guide shows, and which browser tests take them.

    python scripts/guide_images.py tests    the browser test files to run for the guide's images
    python scripts/guide_images.py images   the image names the guide references

Used by scripts/guide-screenshots.sh (``make guide``) and tests/common/test_user_guide.py, so the
guide, its images in docs/guide/ and the ``shot(page, "name.png")`` calls of tests/browser stay in
step. A name built in an f-string (``shot(page, f"{prefix}-queue.png")``) matches any text in
place of each ``{...}``. Exits 1, naming the images, when the guide shows an image no test takes.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [ROOT / "docs" / "user-guide.md"]
IMAGES = ROOT / "docs" / "guide"
BROWSER_TESTS = ROOT / "tests" / "browser"

# Markdown images and links into docs/guide/: ![text](guide/name.png)
_REFERENCE = re.compile(r"\]\(guide/([A-Za-z0-9._-]+\.png)\)")
# The name given to shot(): the first string argument after the page, plain or f-string.
_SHOT = re.compile(r"\bshot\(\s*\w+\s*,\s*(f?)\"([^\"]+\.png)\"")


def referenced_images(guides: list[Path] = GUIDES) -> set[str]:
    """Every image name the guides show."""
    return {name for guide in guides for name in _REFERENCE.findall(guide.read_text(encoding="utf-8"))}


def shot_patterns(tests: Path = BROWSER_TESTS) -> dict[re.Pattern, Path]:
    """Each name passed to ``shot(`` in the browser tests, as a pattern, with the file it is in."""
    patterns = {}
    for path in sorted(tests.glob("test_*.py")):
        for is_f, name in _SHOT.findall(path.read_text(encoding="utf-8")):
            if is_f:
                parts = re.split(r"\{[^}]*\}", name)
                pattern = re.compile(".+".join(re.escape(part) for part in parts))
            else:
                pattern = re.compile(re.escape(name))
            patterns[pattern] = path
    return patterns


def tests_taking(images: set[str], tests: Path = BROWSER_TESTS) -> tuple[dict[str, list[Path]], list[str]]:
    """The test files that may take each image, and the images no test takes. Every file whose
    name or f-string matches counts ("review-queue.png" is a plain name in one file and matches
    f"{prefix}-queue.png" in another): running them all is cheaper than guessing wrong."""
    patterns = shot_patterns(tests)
    found, missing = {}, []
    for image in sorted(images):
        files = sorted({path for pattern, path in patterns.items() if pattern.fullmatch(image)})
        if files:
            found[image] = files
        else:
            missing.append(image)
    return found, missing


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "tests"
    images = referenced_images()
    if command == "images":
        print("\n".join(sorted(images)))
        return 0
    found, missing = tests_taking(images)
    if missing:
        print("docs/user-guide.md shows images that no browser test takes with shot(page, \"NAME\"): "
              + ", ".join(missing) + ". Add the shot to the test of that step (tests/browser/).", file=sys.stderr)
        return 1
    print("\n".join(sorted({str(path.relative_to(ROOT)) for paths in found.values() for path in paths})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
