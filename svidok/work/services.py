"""Use cases of daily work: assign, comment (with @mentions), notify, saved searches.

Each writer takes a keyword-only ``actor``, checks it with ``accounts.rules``, and writes its audit
entry in its own transaction; e-mails are queued on commit (``tasks.py``). A record is an
``incidents.Incident`` or a ``sanctions.Proposal``.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.models import User
from svidok.audit.services import record as audit
from svidok.incidents.models import Incident
from svidok.incidents.queries import FILTERS, SORTS, visible_incidents
from svidok.sanctions.models import Proposal
from svidok.work.models import Assignment, Comment, Notification, SavedSearch

# "@name" not preceded by a word character (an e-mail address is no mention); Django usernames
# are letters, digits and @ . + - _, and a mention at the end of a sentence drops the full stop.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
REVIEWED = {Incident.Status.VERIFIED, Incident.Status.REJECTED, Incident.Status.DUPLICATE}


def _field(record) -> str:
    if isinstance(record, Incident):
        return "incident"
    if isinstance(record, Proposal):
        return "proposal"
    raise TypeError(f"not a record one can work on: {type(record).__name__}")


def can_see(user, record) -> bool:
    """Whether ``user`` may read ``record`` (the records' own permission-aware queries)."""
    if rules.role_of(user) is None:
        return False
    if _field(record) == "incident":
        return visible_incidents(user).filter(pk=record.pk).exists()
    return rules.can(user, "proposal.view")


def can_be_assigned(user, record) -> bool:
    """Who may be assigned a record: an active member whose role may change it (``incident.edit``,
    ``proposal.edit``) and who can see it (a restricted incident only those named on it)."""
    action = "incident.edit" if _field(record) == "incident" else "proposal.edit"
    return rules.can(user, action) and user.has_usable_password() and can_see(user, record)


def candidates(record) -> list[User]:
    """The members ``record`` may be assigned to, by username."""
    action = "incident.edit" if _field(record) == "incident" else "proposal.edit"
    # Service accounts (the system account) have no usable password: nobody signs in to work as them.
    users = (User.objects.filter(is_active=True, role__in=rules.ACTIONS[action])
             .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).order_by("username"))
    return [user for user in users if can_be_assigned(user, record)]


def assignment_of(record) -> Assignment | None:
    return Assignment.objects.filter(**{_field(record): record}).select_related("assignee").first()


def may_assign(actor, record, assignee) -> bool:
    """A lead assigns anyone; an editor takes a record nobody works on for themselves, or gives
    their own up (taking it from a colleague is a lead's decision)."""
    if rules.can(actor, "work.assign"):
        return True
    current = assignment_of(record)
    own = assignee is not None and assignee.pk == actor.pk and (current is None or current.assignee_id == actor.pk)
    giving_up = assignee is None and current is not None and current.assignee_id == actor.pk
    return rules.can(actor, "work.take") and (own or giving_up)


@transaction.atomic
def assign(*, actor, record, assignee) -> Assignment | None:
    """Assign ``record`` (an incident or a proposal) to ``assignee``, or to nobody (None).

    The one entry point for assignment, the bulk action's too. ``actor`` must see the record; a
    coordinator or admin (``work.assign``) assigns anyone who may be assigned (:func:`can_be_assigned`),
    an editor (``work.take``) only takes it for themselves or gives their own up. Audited on the
    record ("assigned", old and new assignee); the assignee is notified unless they assigned
    themselves. Assigning the current assignee again changes nothing. Raises PermissionDenied or a
    ValidationError keyed ``assignee``."""
    if not can_see(actor, record):
        raise PermissionDenied("work.assign")
    if not may_assign(actor, record, assignee):
        raise PermissionDenied("work.assign")
    if assignee is not None and not (assignee.is_active and can_be_assigned(assignee, record)):
        raise ValidationError({"assignee": _("%(name)s cannot work on this record.") % {"name": assignee.username}})
    field = _field(record)
    current = Assignment.objects.select_for_update().filter(**{field: record}).select_related("assignee").first()
    before = current.assignee if current else None
    if (before and before.pk) == (assignee and assignee.pk):
        return current
    if assignee is None:
        current.delete()
        current = None
    elif current is None:
        current = Assignment.objects.create(**{field: record}, assignee=assignee, assigned_by=actor)
    else:
        current.assignee, current.assigned_by = assignee, actor
        current.save()
    audit(actor=actor, action="assign", obj=record,
          changes={"assignee": [before.username if before else None, assignee.username if assignee else None]})
    if assignee is not None and assignee.pk != actor.pk:
        notify(recipient=assignee, kind=Notification.Kind.ASSIGNED, actor=actor, record=record)
    return current


def mentions_in(body: str) -> list[str]:
    """The usernames ``@mentioned`` in ``body``, once each, in order."""
    names = []
    for match in MENTION.finditer(body or ""):
        name = match.group(1).rstrip(".")
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


@transaction.atomic
def add_comment(*, actor, record, body: str) -> tuple[Comment, list[str]]:
    """A comment on ``record`` by ``actor``; returns it with the mentions nobody was notified of.

    ``@username`` notifies that member when they can read the record and comments (anyone else,
    and unknown names, are returned so that the author is told: a mention never reveals a record).
    The record's assignee hears of every comment they were not mentioned in. Audited on the comment."""
    rules.require(actor, "work.comment")
    if not can_see(actor, record):
        raise PermissionDenied("work.comment")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    limit = Comment._meta.get_field("body").max_length
    if len(body) > limit:
        raise ValidationError({"body": _("A comment holds at most %(limit)d characters.") % {"limit": limit}})
    field = _field(record)
    comment = Comment.objects.create(**{field: record}, author=actor, body=body)
    reached, missed = [], []
    for name in mentions_in(body):
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is not None and rules.can(user, "work.comment") and can_see(user, record):
            reached.append(user)
        else:
            missed.append(name)
    comment.mentioned.set(reached)
    audit(actor=actor, action="create", obj=comment,
          changes={field: record.reference if field == "incident" else str(record.uuid), "body": body,
                   "mentioned": [u.username for u in reached]})
    for user in reached:
        if user.pk != actor.pk:
            notify(recipient=user, kind=Notification.Kind.MENTIONED, actor=actor, record=record)
    current = assignment_of(record)
    if current and current.assignee_id != actor.pk and current.assignee_id not in {u.pk for u in reached}:
        notify(recipient=current.assignee, kind=Notification.Kind.COMMENTED, actor=actor, record=record)
    return comment, missed


def comments_on(record):
    return Comment.objects.filter(**{_field(record): record}).select_related("author")


def notify(*, recipient, kind: str, actor, record, status: str = "") -> Notification:
    """An in-app notification, and its e-mail queued on commit when e-mail is configured
    (``SVIDOK_NOTIFY_EMAIL``) and the recipient has an address. Called inside the service's transaction."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                               status=status, **{_field(record): record})
    if settings.SVIDOK_NOTIFY_EMAIL and recipient.email:
        transaction.on_commit(lambda: _enqueue_email(notification.pk))
    return notification


def _enqueue_email(pk: int) -> None:
    from svidok.work.tasks import send_notification_email

    send_notification_email.enqueue(pk)


def status_changed(*, actor, incident, before: str) -> None:
    """``incidents.status_changed`` hook: the recorder hears that their incident was verified,
    rejected, marked a duplicate or reopened (by someone else)."""
    author_id = incident.created_by_id
    if author_id is None or author_id == getattr(actor, "pk", None):
        return
    if incident.status in REVIEWED or (before in REVIEWED and incident.status == Incident.Status.SUBMITTED):
        notify(recipient=incident.created_by, kind=Notification.Kind.STATUS, actor=actor, record=incident, status=incident.status)


def mark_read(*, user, notifications=None) -> int:
    """Mark ``user``'s notifications read (all unread ones, or those given). Personal state: not audited."""
    rules.require(user, "work.personal")
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notifications is not None:
        unread = unread.filter(pk__in=[n.pk for n in notifications])
    return unread.update(read_at=timezone.now())


def clean_query(query: str) -> str:
    """A saved search's query string: only the incident list's filters and sort, non-empty."""
    params = QueryDict(query.lstrip("?"))
    kept = [(key, params.get(key, "").strip()) for key in (*FILTERS, "sort")]
    kept = [(key, value) for key, value in kept if value and (key != "sort" or value in SORTS)]
    return urlencode(kept)


@transaction.atomic
def save_search(*, actor, name: str, query: str) -> SavedSearch:
    """Keep the incident list's current filter under ``name`` (a name again replaces its filter)."""
    rules.require(actor, "work.personal")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the search a name.")})
    limit = SavedSearch._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError({"name": _("A name holds at most %(limit)d characters.") % {"limit": limit}})
    query = clean_query(query)
    search = SavedSearch.objects.filter(user=actor, name=name).first()
    before = {"name": search.name, "query": search.query} if search else {}
    if search is None:
        search = SavedSearch.objects.create(user=actor, name=name, query=query)
    else:
        search.query = query
        search.save(update_fields=["query"])
    after = {"name": name, "query": query}
    audit(actor=actor, action="update" if before else "create", obj=search, object_repr=name,
          changes={key: [before.get(key), value] for key, value in after.items() if before.get(key) != value})
    return search


@transaction.atomic
def delete_search(*, actor, search: SavedSearch) -> None:
    rules.require(actor, "work.personal")
    if search.user_id != actor.pk:
        raise PermissionDenied("work.personal")
    audit(actor=actor, action="delete", obj=search, object_repr=search.name,
          changes={"name": [search.name, None], "query": [search.query, None]})
    search.delete()
