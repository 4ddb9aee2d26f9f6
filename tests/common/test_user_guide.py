"""The user guide and its pictures stay in step: every image docs/user-guide.md shows is in
docs/guide/, every image there is shown by the guide, and each one is taken by a browser test
(``shot(page, "name.png")``), so that ``make guide`` can make it again (docs/decisions.md)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 300 * 1024


def _guide_images():
    spec = importlib.util.spec_from_file_location("guide_images", ROOT / "scripts" / "guide_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_image_the_guide_shows_is_in_docs_guide():
    images = _guide_images()

    missing = sorted(name for name in images.referenced_images() if not (images.IMAGES / name).is_file())

    assert missing == [], f"run `make guide` (scripts/guide-screenshots.sh): {missing}"


def test_every_image_in_docs_guide_is_shown_by_the_guide():
    images = _guide_images()

    unused = sorted(path.name for path in images.IMAGES.glob("*") if path.name not in images.referenced_images())

    assert unused == [], f"images in docs/guide/ that no guide shows (make guide removes them): {unused}"


def test_every_image_the_guide_shows_is_taken_by_a_browser_test():
    images = _guide_images()

    _found, missing = images.tests_taking(images.referenced_images())

    assert missing == [], f"no shot(page, NAME) in tests/browser for: {missing}"


def test_the_guide_shows_images():
    # A guide whose references the pattern no longer reads would pass the three tests above vacuously.
    assert len(_guide_images().referenced_images()) >= 10


def test_guide_images_are_small():
    images = _guide_images()

    big = sorted((path.name, path.stat().st_size) for path in images.IMAGES.glob("*.png") if path.stat().st_size > MAX_BYTES)

    assert big == []


def test_shot_names_in_f_strings_match_the_names_they_make(tmp_path):
    images = _guide_images()
    (tmp_path / "test_flow.py").write_text(
        'shot(page, f"{prefix}-queue.png")\nshot(second_page, "plain.png", full_page=False)\nshot(page, screenshot)\n',
        encoding="utf-8")

    (tmp_path / "test_other.py").write_text('shot(page, "review-queue.png")\n', encoding="utf-8")

    found, missing = images.tests_taking(
        {"news-desktop-queue.png", "review-queue.png", "plain.png", "-queue.png", "other.png"}, tmp_path)

    assert ({image: [path.name for path in paths] for image, paths in found.items()}, missing) == (
        {"news-desktop-queue.png": ["test_flow.py"], "plain.png": ["test_flow.py"],
         "review-queue.png": ["test_flow.py", "test_other.py"]},
        ["-queue.png", "other.png"])
