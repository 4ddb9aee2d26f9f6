"""Flows: a documenter adds files to an incident from its page (chosen and dropped, each with its
progress bar and its outcome in words) and finds them among the incident's exhibits; a coordinator
downloads the incident's court bundle, which verifies; the pages fit a phone.

Set SVIDOK_SCREENSHOT_DIR to keep screenshots (desktop and phone) of the incident's evidence
section, the upload page while it sends and after, and an item's page, for a look by eye.
"""

import io
import json
import re
import zipfile

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.evidence import bundle, services
from svidok.evidence.models import EvidenceItem
from tests import factories
from tests.browser.conftest import PHONE, phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

UPLOADS = re.compile(r"/evidence/upload/")
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
ORDER = b"%PDF-1.4\n% dismissal order No. 17, 19 March 2018\n%%EOF\n"
NOTE = b"The director said: vote, or you will not work here.\n"

# A file dropped on the drop zone as the browser makes it: a DataTransfer carrying a File.
DROP = """(zone, [name, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, {type: "text/plain"}));
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
  }
}"""


def enhanced(page):
    """Waits until the upload script has taken over the form (it marks the drop zone): files set
    before that would post the plain form instead."""
    expect(page.locator("[data-dropzone].enhanced")).to_have_count(1)


@pytest.fixture(autouse=True)
def _vault(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence"), "file_permissions_mode": 0o600,
                    "directory_permissions_mode": 0o700}}}
    settings.SVIDOK_AUDIT_KEY = tmp_path / "audit-keys" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "audit-keys" / "public-keys"
    temp = tmp_path / "upload-temp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)



def photo(shift: int = 0) -> bytes:
    image = Image.new("RGB", (320, 240), (240, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30 + shift, 50, 160, 220), fill=(30, 60, 160))
    draw.ellipse((180, 20, 300, 140), fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def incident(vocabularies):
    documenter = make_user(Role.DOCUMENTER, "documenter")
    return factories.incident(documenter, title="Crimean Tatar teachers dismissed for not taking part in the vote")


def test_documenter_adds_files_with_progress_and_finds_them_on_the_incident(page, incident, console_errors, tmp_path):
    sign_in(page, "documenter")
    page.goto(f"/incidents/{incident.reference}/")
    section = page.locator("#evidence")
    expect(section).to_contain_text("No evidence files for this incident yet.")
    expect(section.get_by_role("button", name="Court bundle")).to_have_count(0)

    section.get_by_role("link", name="Add files").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    expect(page.get_by_label("Incident")).to_have_value(incident.reference)
    expect(page.locator("[data-drop-hint]")).to_be_visible()
    (tmp_path / "order 17.pdf").write_bytes(ORDER)
    (tmp_path / "photo.png").write_bytes(photo())
    enhanced(page)
    page.get_by_label("Files", exact=True).set_input_files([tmp_path / "order 17.pdf", tmp_path / "photo.png"])
    zone = page.locator("[data-dropzone]")
    zone.evaluate(DROP, ["witness note.txt", NOTE.decode()])
    # The same bytes again under another name: held once, recorded twice.
    zone.evaluate(DROP, ["note again.txt", NOTE.decode()])
    rows = page.locator(".upload-queue li")
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_contain_text("witness note.txt")
    expect(page.get_by_role("status").filter(has_text="Files ready to send: 4")).to_be_visible()
    expect(page.get_by_role("button", name="Remove note again.txt from the list")).to_be_visible()

    # Hold the second request in the network so that the page is caught while it sends.
    held = []
    sent = []

    def hold_second(route):
        sent.append(route)
        if len(sent) == 2:
            held.append(route)
        else:
            route.continue_()

    page.route(UPLOADS, hold_second)
    page.get_by_role("button", name="Store").click()
    expect(rows.nth(0)).to_contain_text("Stored. Exhibit E-1.")
    expect(rows.nth(1)).to_contain_text("Sending…")  # its bytes are held before they leave the browser
    expect(page.locator("[data-summary]")).to_contain_text("Sending file 2 of 4: photo.png")
    expect(rows.nth(2)).to_contain_text("Waiting to be sent")
    shot(page, "upload-sending-desktop.png")
    held[0].continue_()
    page.unroute(UPLOADS)

    expect(page.locator("[data-summary]")).to_have_text("Finished. Stored: 4. Refused: 0.")
    for index in range(4):
        expect(rows.nth(index).locator("progress")).to_have_js_property("value", 100)
        expect(rows.nth(index).locator(".upload-pct")).to_have_text("100%")
    expect(rows.nth(1)).to_contain_text("Stored. Exhibit E-2.")
    expect(rows.nth(2)).to_contain_text("Stored. Exhibit E-3.")
    expect(rows.nth(3)).to_contain_text("The same file is already held in the vault; recorded again as a new item. Exhibit E-4.")
    expect(rows.nth(0).get_by_role("link", name="order 17.pdf")).to_be_visible()
    shot(page, "upload-done-desktop.png")
    assert EvidenceItem.objects.count() == 4

    page.get_by_role("link", name=f"Back to {incident.reference}").click()
    section = page.locator("#evidence")
    body = section.locator("tbody tr")
    expect(body).to_have_count(4)
    expect(body.nth(0)).to_contain_text("E-1")
    expect(body.nth(0)).to_contain_text("order 17.pdf")
    expect(body.nth(0)).to_contain_text("PDF document")
    expect(body.nth(1)).to_contain_text("PNG image")
    expect(body.nth(2)).to_contain_text("plain text")
    expect(body.nth(3)).to_contain_text("note again.txt")
    expect(body.nth(0)).to_contain_text("documenter")
    order = EvidenceItem.objects.get(original_name="order 17.pdf")
    expect(body.nth(0).locator("code.sha")).to_have_attribute("title", order.blob.sha256)
    expect(body.nth(0).locator("code.sha")).to_have_text(order.blob.sha256)  # all of it is there to copy
    shown = body.nth(0).locator("code.sha").evaluate("c => c.clientWidth < c.scrollWidth")
    assert shown, "only the start of the hash is shown"
    shot(page, "incident-evidence-desktop.png")

    body.nth(0).get_by_role("link", name="order 17.pdf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("order 17.pdf")
    shot(page, "item-desktop.png")
    assert console_errors == []


def test_upload_page_without_files_says_so(page, incident, console_errors):
    sign_in(page, "documenter")
    page.goto(f"/evidence/upload/?incident={incident.reference}")
    page.get_by_role("button", name="Store").click()
    expect(page.locator("[data-summary]")).to_have_text("Choose or drop at least one file first.")
    assert EvidenceItem.objects.count() == 0
    assert console_errors == []


def test_a_refused_file_says_why(page, incident, console_errors, tmp_path, settings):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 100
    sign_in(page, "documenter")
    page.goto(f"/evidence/upload/?incident={incident.reference}")
    (tmp_path / "small.txt").write_bytes(NOTE)
    (tmp_path / "large.pdf").write_bytes(ORDER * 3)
    enhanced(page)
    page.get_by_label("Files", exact=True).set_input_files([tmp_path / "small.txt", tmp_path / "large.pdf"])
    page.get_by_role("button", name="Store").click()
    expect(page.locator("[data-summary]")).to_have_text("Finished. Stored: 1. Refused: 1.")
    rows = page.locator(".upload-queue li")
    expect(rows.nth(0)).to_contain_text("Stored.")
    expect(rows.nth(1)).to_contain_text("Refused: The file is larger than the limit of 100 bytes: nothing was stored.")
    assert console_errors == []


def test_files_chosen_before_the_script_arrives_are_queued(page, incident, console_errors, tmp_path):
    """On a slow connection the form is usable before its script has run: a file chosen then is
    queued when the script arrives, not dropped."""
    sign_in(page, "documenter")
    held = []
    page.route("**/upload*.js", lambda route: held.append(route))  # the script is held back until the file is chosen
    page.goto(f"/evidence/upload/?incident={incident.reference}", wait_until="commit")  # deferred scripts hold back DOMContentLoaded
    (tmp_path / "order 17.pdf").write_bytes(ORDER)
    page.get_by_label("Files", exact=True).set_input_files([tmp_path / "order 17.pdf"])
    expect(page.locator("[data-dropzone].enhanced")).to_have_count(0)
    assert len(held) == 1
    held[0].continue_()
    enhanced(page)
    expect(page.locator(".upload-queue li")).to_have_count(1)
    expect(page.locator("[data-summary]")).to_have_text("Files ready to send: 1. Press “Store” to send them.")
    page.get_by_role("button", name="Store").click()
    expect(page.locator(".upload-queue li")).to_contain_text("Stored.")
    assert EvidenceItem.objects.count() == 1
    assert console_errors == []


def test_coordinator_downloads_the_court_bundle_and_it_verifies(page, incident, console_errors, tmp_path):
    documenter = incident.created_by
    services.add_item(actor=documenter, file=io.BytesIO(ORDER), name="order 17.pdf", incident=incident,
                      method=EvidenceItem.Method.UPLOAD)
    make_user(Role.COORDINATOR, "coordinator")
    sign_in(page, "coordinator")
    page.goto(f"/incidents/{incident.reference}/")

    with page.expect_download() as info:
        page.locator("#evidence").get_by_role("button", name="Court bundle").click()

    download = info.value
    assert download.suggested_filename == f"{incident.reference}-bundle.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    check = bundle.verify_bundle(path)
    assert check.ok, check.lines
    assert json.loads(zipfile.ZipFile(path).read("manifest.json"))["purpose"] == "litigation"

    # For a partner: chosen and named in the form; the manifest says who it is for.
    section = page.locator("#evidence")
    section.get_by_label("Bundle for").select_option("partner")
    section.get_by_label("Partner", exact=True).fill("OSCE ODIHR")
    shot(page, "bundle-for-a-partner.png")
    with page.expect_download() as info:
        section.get_by_role("button", name="Court bundle").click()
    info.value.save_as(tmp_path / "partner.zip")
    manifest = json.loads(zipfile.ZipFile(tmp_path / "partner.zip").read("manifest.json"))
    assert (manifest["purpose"], manifest["partner"], manifest["redactions"]) == ("partner", "OSCE ODIHR", [])

    # A partner bundle without the partner's name is refused in words on the incident page.
    section.get_by_label("Bundle for").select_option("partner")
    section.get_by_label("Partner", exact=True).fill("")
    section.get_by_role("button", name="Court bundle").click()
    expect(page.locator(".messages")).to_contain_text("The court bundle was not made: Name the partner the document is for.")
    shot(page, "bundle-partner-refused.png")
    assert console_errors == []


@pytest.fixture
def phone_page(browser, live_server, console_errors):
    context = phone_context(browser, live_server)
    yield watch(context.new_page(), console_errors)
    context.close()


def test_evidence_pages_fit_a_phone(phone_page, incident, console_errors, tmp_path):
    page = phone_page
    documenter = incident.created_by
    item = services.add_item(actor=documenter, file=io.BytesIO(ORDER), name="Dismissal order No. 17 of the Bakhchysarai school.pdf",
                             incident=incident, method=EvidenceItem.Method.UPLOAD, link_description="The dismissal order")
    services.add_item(actor=documenter, file=io.BytesIO(photo()), name="photo.png", incident=incident,
                      method=EvidenceItem.Method.UPLOAD)
    services.add_item(actor=documenter, file=io.BytesIO(photo(shift=4)), name="forwarded photo.png", incident=incident,
                      method=EvidenceItem.Method.UPLOAD)
    make_user(Role.COORDINATOR, "coordinator")
    sign_in(page, "coordinator")

    page.goto(f"/incidents/{incident.reference}/")
    page.locator("#evidence").scroll_into_view_if_needed()
    expect(page.locator("#evidence")).to_contain_text("looks like another image")
    shot(page, "incident-evidence-phone.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    page.goto(f"/evidence/upload/?incident={incident.reference}")
    (tmp_path / "a long file name from a phone camera 2018-03-18 09.00.00.png").write_bytes(photo(shift=8))
    enhanced(page)
    page.get_by_label("Files", exact=True).set_input_files([tmp_path / "a long file name from a phone camera 2018-03-18 09.00.00.png"])
    shot(page, "upload-queued-phone.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    page.get_by_role("button", name="Store").click()
    expect(page.locator("[data-summary]")).to_have_text("Finished. Stored: 1. Refused: 0.")
    shot(page, "upload-done-phone.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    page.goto(f"/evidence/{item.uuid}/")
    shot(page, "item-phone.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert console_errors == []


def test_the_upload_speaks_ukrainian(page, incident, console_errors, tmp_path):
    sign_in(page, "documenter")
    page.goto(f"/incidents/{incident.reference}/")
    page.get_by_role("button", name="Українська").click()
    section = page.locator("#evidence")
    expect(section.get_by_role("heading")).to_have_text("Докази")

    section.get_by_role("link", name="Додати файли").click()
    (tmp_path / "наказ 17.pdf").write_bytes(ORDER)
    enhanced(page)
    page.locator("input[type=file]").set_input_files([tmp_path / "наказ 17.pdf"])
    expect(page.locator("[data-summary]")).to_have_text("Файлів готово до надсилання: 1. Натисніть «Зберегти», щоб надіслати їх.")
    page.get_by_role("button", name="Зберегти").click()

    expect(page.locator("[data-summary]")).to_have_text("Готово. Збережено: 1. Відхилено: 0.")
    expect(page.locator(".upload-queue li")).to_contain_text("Збережено. Доказ E-1.")
    shot(page, "upload-done-desktop-uk.png")
    page.goto(f"/incidents/{incident.reference}/")
    expect(page.locator("#evidence tbody tr")).to_contain_text("Документ PDF")
    shot(page, "incident-evidence-desktop-uk.png")
    assert console_errors == []
