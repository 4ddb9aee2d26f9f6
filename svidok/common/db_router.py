"""Reads to a PostgreSQL streaming replica where that is safe; everything else to the primary.

Only with ``DATABASE_REPLICA_URLS`` set (``svidok/settings.py``, ``docs/deploy.md``, "A primary with
replicas"); without it neither the router nor the middleware is installed and nothing changes.

The rules, in order (``ReplicaRouter.db_for_read``):

1. Outside a web request (commands, the worker, migrations) every query goes to the primary: a job
   reads what the request that queued it has just written.
2. A request is eligible for the replica only when ``ReplicaReadsMiddleware`` says so: a GET, HEAD
   or OPTIONS request, not under a path of ``SVIDOK_REPLICA_EXCLUDED_PATHS`` (the public portal,
   whose page cache must not keep a stale copy; the admin; sign-in), with a replica that answers,
   and whose user's last write has been replayed on that replica (below).
3. Only the models of ``SVIDOK_REPLICA_MODELS`` are read there (incidents and their reference data,
   search keys, reference lists and proposals, election results, news, daily work). Accounts,
   sessions, the second factor, lockouts, permissions shares, the identity vault and consents
   (``people``), evidence and its custody, the audit log, keys, job queues and counters are always
   read on the primary: what decides who may see what, and what must not be out of date by even a
   moment, is read where it is written.
4. Once the request has written anything (any ``db_for_write``), and inside any transaction on the
   primary, its reads stay on the primary.

Read-your-writes across requests: after a request that wrote (or any POST, PUT, PATCH, DELETE),
the middleware sets a signed cookie holding the primary's WAL insert position at that moment
(``pg_current_wal_insert_lsn()``, which is at or past the commit of everything the request wrote).
A later request carrying the cookie reads from a replica only once that replica has replayed up to
that position (``pg_last_wal_replay_lsn()``), so a person never reads an older copy of what they
have just written, however far the replica lags; once it has caught up the cookie is dropped. The
cookie travels with the client (a browser, or an API client that keeps cookies), whichever web
process answers.
"""

from __future__ import annotations

import contextvars
import logging
import random
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
COOKIE = "svidok_primary_lsn"
_SALT = "svidok.common.db_router"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A replica that failed to connect is left alone for this many seconds (per process).
RETRY_SECONDS = 10
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")


@dataclass
class RequestReads:
    """What the current request may do: read on ``replica`` (None: nowhere but the primary)."""

    replica: str | None
    wrote: bool = False


_current: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar("svidok_request_reads", default=None)
_down_until: dict[str, float] = {}


def replicas() -> list[str]:
    return list(getattr(settings, "SVIDOK_REPLICA_DATABASES", ()))


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or state.replica is None or state.wrote:
            return PRIMARY
        if model._meta.label_lower not in settings.SVIDOK_REPLICA_MODELS:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY  # related rows of an object read (or just made) on the primary: the same snapshot's side
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return state.replica

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the primary's data: an object read on one may refer to one read on another.
        same_data = {PRIMARY, *replicas()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Migrations only on the primary; replication brings them to the replicas.
        return False if db in replicas() else None


def _sign(lsn: str) -> str:
    return signing.dumps(lsn, salt=_SALT, compress=False)


def _unsign(value: str) -> str | None:
    try:
        lsn = signing.loads(value, salt=_SALT)
    except signing.BadSignature:
        return None
    return lsn if isinstance(lsn, str) and _LSN.fullmatch(lsn) else None


def primary_lsn() -> str:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def replayed(alias: str, lsn: str) -> bool:
    """Whether the replica ``alias`` has replayed the primary's WAL up to ``lsn``."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [lsn])
        return bool(cursor.fetchone()[0])


def reachable(alias: str) -> bool:
    """Whether the replica can be used now: connected, or connecting succeeds; a failure leaves it
    alone for ``RETRY_SECONDS`` so that every request does not wait for a dead server."""
    if _down_until.get(alias, 0) > time.monotonic():
        return False
    try:
        connections[alias].ensure_connection()
    except DatabaseError:
        logger.warning("database replica %s is unreachable; reading from the primary for %ss", alias, RETRY_SECONDS)
        _down_until[alias] = time.monotonic() + RETRY_SECONDS
        return False
    return True


def excluded(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.SVIDOK_REPLICA_EXCLUDED_PATHS)


class ReplicaReadsMiddleware:
    """Decides, per request, whether its reads may go to a replica, and keeps a person's reads on
    the primary until a replica has their last write (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pinned = request.COOKIES.get(COOKIE)
        lsn = _unsign(pinned) if pinned else None
        if pinned and lsn is None:
            # Not ours, or signed with a key since changed: this request reads on the primary, the cookie goes.
            replica, caught_up = None, False
        else:
            replica, caught_up = self.choose(request, lsn)
        state = RequestReads(replica)
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote or request.method not in SAFE_METHODS:
            try:
                written = primary_lsn()
            except DatabaseError:
                logger.exception("could not read the primary's WAL position; the next reads stay on the primary")
                written = lsn
            if written:
                response.set_cookie(COOKIE, _sign(written), max_age=settings.SVIDOK_REPLICA_PIN_MAX_AGE,
                                    secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        elif pinned and (caught_up or lsn is None):
            response.delete_cookie(COOKIE, samesite="Lax")
        return response

    @staticmethod
    def choose(request, lsn: str | None) -> tuple[str | None, bool]:
        """The replica this request reads from (or None), and whether it has the person's last write."""
        if request.method not in SAFE_METHODS or excluded(request.path_info):
            return None, False
        candidates = replicas()
        random.shuffle(candidates)
        for alias in candidates:
            if not reachable(alias):
                continue
            if lsn is None:
                return alias, False
            try:
                if replayed(alias, lsn):
                    return alias, True
            except DatabaseError:
                logger.warning("database replica %s did not answer; reading from the primary", alias)
                connections[alias].close()
        return None, False
