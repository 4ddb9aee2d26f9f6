"""Web capture: use cases that queue a capture of a web page, and the job that makes it.

:func:`request_capture` records who asked to capture which address for which incident or source,
and queues :func:`evidence.tasks.capture_web_page` once the transaction commits. The worker then
runs :func:`run_capture`: it fetches the page and its direct resources into a WARC
(``evidence.fetch``, ``evidence.warc``), has Chromium render a screenshot and a PDF where it is
installed (``evidence.render``), and stores each file through the vault's ``add_item`` as the
person who asked, all in one transaction: a failed capture stores nothing. Each stored item gets a
custody entry saying what was captured, when, from where, with which user agent and the HTTP status.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.evidence import fetch, warc
from svidok.evidence.models import Capture, EvidenceItem
from svidok.evidence.render import RenderError, render
from svidok.incidents.queries import visible_incidents

logger = logging.getLogger(__name__)

# Why a capture failed, or what a done capture lacks, in people's words (``Capture.reason``/``notes``).
REASONS = {
    "bad_url": _("This is not a web address."),
    "scheme": _("Only web addresses starting with http:// or https:// can be captured."),
    "credentials": _("Addresses with a user name or password in them are not captured."),
    "dns": _("The site's name could not be found. Check the address."),
    "private_address": _("This address leads into a private or local network; Svidok does not capture those."),
    "refused": _("The site refused the connection."),
    "timeout": _("The site did not answer in time."),
    "tls": _("The site's secure connection (certificate) could not be verified."),
    "connection": _("The connection to the site failed."),
    "too_big": _("The page is larger than the capture limit."),
    "redirects": _("The address redirects too many times."),
    "http_status": _("The site answered with an error (HTTP %(status)s %(reason)s); nothing was stored."),
    "not_allowed": _("The person who asked for this capture may no longer add evidence."),
    "storage": _("The captured files could not be stored: %(detail)s"),
    "unexpected": _("The capture stopped on an unexpected error; the administrators can see it in the worker's log."),
    "interrupted": _("The capture was interrupted (the worker stopped before it ended); nothing was stored. Ask for it again."),
    "no_chromium": _("No screenshot or PDF: Chromium is not installed on the server."),
    "no_playwright": _("No screenshot or PDF: the Playwright package is not installed on the server."),
    "render_failed": _("No screenshot or PDF: the browser could not render the page."),
    "render_timeout": _("No screenshot or PDF: the page did not finish loading in the browser in time."),
    "resource_failed": _("A resource of the page could not be fetched: %(url)s"),
    "browser_refused": _("The page asked the browser for %(count)s addresses in private or local networks; they were refused."),
    "total_cap": _("Resources after %(url)s were left out: the capture's size limit was reached."),
}


def reason_text(entry: dict) -> str:
    """A reason or note (``{"code": ..., params}``) in the reader's language."""
    if not entry:
        return ""
    template = REASONS.get(entry.get("code"), REASONS["unexpected"])
    try:
        return str(template) % {k: v for k, v in entry.items() if k != "code"} if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def _policy() -> fetch.Policy:
    return fetch.Policy(timeout=settings.SVIDOK_CAPTURE_TIMEOUT, max_bytes=settings.SVIDOK_CAPTURE_MAX_BYTES,
                        user_agent=settings.SVIDOK_CAPTURE_USER_AGENT,
                        allow_loopback=settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK)


@transaction.atomic
def request_capture(*, actor, url: str, incident=None, source=None) -> Capture:
    """Queue a capture of ``url`` for ``incident`` or ``source`` (or neither). The address is checked
    now (http(s), a public address); the page is fetched by the worker."""
    require(actor, "evidence.add")
    url = (url or "").strip()
    if len(url) > 2000:
        raise ValidationError({"url": _("The address is too long.")})
    try:
        _scheme, host, port = fetch.check_url(url)
        fetch.resolve_public(host, port, allow_loopback=settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK)
    except fetch.FetchError as error:
        raise ValidationError({"url": reason_text({"code": error.code})}) from None
    if incident is not None and source is not None:
        raise ValidationError(_("A capture belongs to one incident or one source, not both."))
    if incident is not None and not visible_incidents(actor).filter(pk=incident.pk).exists():
        raise ValidationError({"incident": _("No such incident.")})
    capture = Capture.objects.create(url=url, incident=incident, source=source, requested_by=actor)
    record(actor=actor, action="capture_queued", obj=capture,
           changes={"url": [None, url], "incident": [None, getattr(incident, "reference", None)],
                    "source": [None, getattr(source, "public_id", None) if source else None]})
    transaction.on_commit(lambda: _enqueue(capture.pk))
    return capture


def _enqueue(capture_pk: int) -> None:
    from svidok.evidence.tasks import capture_web_page

    result = capture_web_page.enqueue(capture_pk)
    Capture.objects.filter(pk=capture_pk).update(task_id=str(result.id)[:64])


def run_capture(capture_pk: int) -> str:
    """Make the capture (called by the worker). Returns the final status; never raises for a bad
    page or site: the reason is kept on the capture."""
    with transaction.atomic():
        capture = Capture.objects.select_for_update(of=("self",)).select_related("requested_by", "incident", "source").get(pk=capture_pk)
        if capture.status != Capture.Status.QUEUED:
            return capture.status  # run once, even if the task is run again
        capture.status, capture.started_at = Capture.Status.RUNNING, timezone.now()
        capture.save(update_fields=["status", "started_at"])
    try:
        with tempfile.TemporaryDirectory(prefix="svidok-capture-") as directory:
            _capture_into(capture, Path(directory))
    except fetch.FetchError as error:
        _finish(capture, Capture.Status.FAILED, reason={"code": error.code, **error.params})
    except PermissionDenied:
        _finish(capture, Capture.Status.FAILED, reason={"code": "not_allowed"})
    except ValidationError as error:
        _finish(capture, Capture.Status.FAILED, reason={"code": "storage", "detail": "; ".join(error.messages)[:500]})
    except Exception:
        logger.exception("web capture %s failed", capture.uuid)
        _finish(capture, Capture.Status.FAILED, reason={"code": "unexpected"})
    return capture.status


def longest_capture() -> dt.timedelta:
    """A generous upper bound of a capture's run: the page and each resource within the timeout, then
    the browser (launch, load, screenshot, PDF, each within twice the timeout, its fetches within one
    deadline)."""
    return dt.timedelta(seconds=settings.SVIDOK_CAPTURE_TIMEOUT * (settings.SVIDOK_CAPTURE_MAX_RESOURCES + 20))


def fail_interrupted_captures() -> int:
    """Periodic job: captures still "running" long after any capture could have ended were cut off
    (the worker was killed, the machine stopped). Marked failed, so that nobody waits for them."""
    stale = Capture.objects.filter(status=Capture.Status.RUNNING, started_at__lt=timezone.now() - longest_capture())
    count = 0
    for capture in stale.select_related("requested_by"):
        _finish(capture, Capture.Status.FAILED, reason={"code": "interrupted"})
        count += 1
    return count


def _finish(capture: Capture, status: str, *, reason: dict | None = None) -> None:
    capture.status, capture.reason, capture.finished_at = status, reason or {}, timezone.now()
    with transaction.atomic():
        capture.save(update_fields=["status", "reason", "finished_at"])
        # The log keeps the reason in words (English, like every entry), not as a code.
        with translation.override("en"):
            reason = reason_text(capture.reason)
        record(actor=capture.requested_by, action="capture_failed", obj=capture, changes={"reason": [None, reason]})


def _capture_into(capture: Capture, directory: Path) -> None:
    policy = _policy()
    started = time.monotonic()
    captured_at = timezone.now()
    page = fetch.fetch_page(capture.url, policy, max_resources=settings.SVIDOK_CAPTURE_MAX_RESOURCES,
                            max_total=settings.SVIDOK_CAPTURE_MAX_TOTAL_BYTES)
    try:
        notes, renders = list(page.notes), []
        # Rendered from the fetched bytes; what the browser needed beyond them is fetched through
        # the same checks and archived too, so the screenshot and PDF show only what the WARC holds.
        remaining = max(5.0, policy.timeout * 2 - (time.monotonic() - started))
        try:
            rendered = render(page, directory, chromium=settings.SVIDOK_CAPTURE_CHROMIUM, policy=policy,
                              timeout=remaining, max_fetches=settings.SVIDOK_CAPTURE_MAX_RESOURCES * 2)
        except RenderError as error:
            notes.append({"code": {"no_chromium": "no_chromium", "no_playwright": "no_playwright",
                                    "timeout": "render_timeout"}.get(error.code, "render_failed")})
        else:
            page.resources.extend(rendered.fetched)
            if rendered.refused:
                notes.append({"code": "browser_refused", "count": len(rendered.refused)})
            renders = [(rendered.screenshot, "screenshot", "image/png"), (rendered.pdf, "pdf", "application/pdf")]
        final = page.final
        warc_path = directory / "capture.warc.gz"
        with open(warc_path, "wb") as out:
            records = warc.write_capture(out, page, url=capture.url, captured_at=captured_at.isoformat(),
                                         user_agent=policy.user_agent)
        summary = {
            "url": capture.url, "final_url": final.url, "http_status": final.status, "remote_ip": final.remote_ip,
            "captured_at": captured_at.isoformat(), "user_agent": policy.user_agent,
            "exchanges": len(page.exchanges) + len(page.resources), "warc_records": records,
        }
    finally:
        page.close()
    _store(capture, directory, [(warc_path, "warc", "application/warc")] + renders, summary, notes)


def _file_name(url: str, part: str, stamp: str) -> str:
    host = (urlsplit(url).hostname or "page").replace(":", "_")[:80]
    extension = {"warc": "warc.gz", "screenshot": "png", "pdf": "pdf"}[part]
    return f"{host}-{stamp}.{extension}"


@transaction.atomic
def _store(capture: Capture, directory: Path, outputs: list, summary: dict, notes: list) -> None:
    from svidok.evidence.services import add_item  # the vault's one way in

    actor = capture.requested_by
    stamp = summary["captured_at"][:19].replace(":", "").replace("-", "")
    descriptions = {
        "warc": _("Web archive (WARC) of %(url)s: the page and its resources as exchanged with the site"),
        "screenshot": _("Screenshot of %(url)s, rendered by Chromium"),
        "pdf": _("PDF of %(url)s, rendered by Chromium"),
    }
    items = []
    for path, part, media_type in outputs:
        with open(path, "rb") as handle:
            item = add_item(actor=actor, file=handle, name=_file_name(summary["final_url"], part, stamp),
                            incident=capture.incident, source=capture.source,
                            description=str(descriptions[part] % {"url": summary["url"]}),
                            method=EvidenceItem.Method.CAPTURE, collected_at=dt.datetime.fromisoformat(summary["captured_at"]),
                            collected_by=actor.get_username(), origin=summary["url"], claimed_type=media_type)
        # The custody entry of a capture: what, when, from where, with which user agent, what answer.
        record(actor=actor, action="capture", obj=item,
               changes={key: [None, value] for key, value in {**summary, "part": part}.items()})
        items.append(item)
    capture.status, capture.finished_at = Capture.Status.DONE, timezone.now()
    capture.final_url, capture.http_status, capture.notes = summary["final_url"][:2000], summary["http_status"], notes
    capture.save(update_fields=["status", "finished_at", "final_url", "http_status", "notes"])
    capture.items.set(items)
    record(actor=actor, action="capture_done", obj=capture,
           changes={"items": [None, [item.public_id for item in items]], "http_status": [None, summary["http_status"]]})
