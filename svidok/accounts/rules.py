"""Who may do what: the code side of ``docs/permissions.md``.

Deny by default: an action not listed here is refused to everybody. A test walks the document's
matrix against these tables, so the two cannot drift apart.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from svidok.accounts.models import Role

# Every role of the organisation. External counsel is not in it: counsel is granted action by
# action, and sees only the cases shared with the account.
ALL_ROLES = frozenset(Role.values) - {Role.COUNSEL}
CASE_READERS = ALL_ROLES | {Role.COUNSEL}
EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER})
LEADS = frozenset({Role.ADMIN, Role.COORDINATOR})

# action -> roles allowed. Object-level conditions (own drafts, sensitivity) are in the functions below.
ACTIONS: dict[str, frozenset[str]] = {
    "incident.view": CASE_READERS,
    "incident.create": EDITORS,
    "incident.edit": EDITORS,  # documenters: only their own, before verification
    "incident.submit": EDITORS,  # documenters: only their own drafts
    "incident.review": LEADS,  # verify, reject, mark duplicate
    "incident.publish": LEADS,  # put a verified public incident on the public site, or withdraw it (issue 14)
    "incident.history": ALL_ROLES,  # not counsel: the history names the documenters
    "person.view": ALL_ROLES,
    "person.edit": EDITORS,
    "person.identity": LEADS,  # see the real name behind a protected person's pseudonym
    "person.consent": EDITORS,  # record a protected person's consent and its withdrawal (people.consent)
    "person.merge": LEADS,  # judge proposed duplicates (same / different / unsure), undo a judgement
    "person.match": ALL_ROLES,  # match a name against the registry or a reference list
    # Proposals name perpetrators and cite evidence; each reader sees only the incidents they may see.
    "proposal.view": ALL_ROLES,
    "proposal.edit": EDITORS,  # create a proposal, add members, set their grounds, record listing statuses
    "proposal.signoff": LEADS,  # review members, sign off, submit, reopen
    "proposal.export": frozenset({Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.ANALYST}),
    "organization.view": ALL_ROLES,
    "organization.edit": EDITORS,
    "source.view": ALL_ROLES,
    "source.edit": EDITORS,
    "news.import": EDITORS,  # read articles (text, HTML) into sources (issue 12)
    "news.review": EDITORS,  # correct, accept, merge or reject the incidents proposed from articles
    "intervention.view": ALL_ROLES,
    "intervention.edit": EDITORS,
    "place.view": ALL_ROLES,
    "election.view": ALL_ROLES,
    "election.edit": LEADS,
    "forensics.view": ALL_ROLES,
    "forensics.import": LEADS,
    "forensics.analyze": frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    "vocabulary.view": ALL_ROLES,
    "vocabulary.edit": LEADS,  # add, rename, deactivate and reorder terms (web page); load the vocabulary file
    "data.import": LEADS,
    "list.import": LEADS,  # import or replace a reference list (sanctions list, FollowTheMoney file)
    "data.export": frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    "user.manage": frozenset({Role.ADMIN}),
    # Evidence: files kept byte-exact. Who sees an item follows the incidents it is linked to.
    "evidence.view": CASE_READERS,
    "evidence.add": EDITORS,  # upload, capture a web page, link to incidents and sources
    "evidence.download": frozenset({Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.ANALYST, Role.COUNSEL}),
    "evidence.withdraw": LEADS,  # withdraw an item (the original stays), or restore it
    "evidence.purge": frozenset({Role.ADMIN}),  # erase the bytes for a legal takedown, with a reason
    "evidence.bundle": LEADS,  # export a court bundle (originals, manifest, audit proofs, verifier)
    # The tamper-evident audit log: signed heads, inclusion and consistency proofs, verification.
    "audit.verify": frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    "audit.sign": frozenset({Role.ADMIN}),  # issue a signed tree head on demand, rotate the signing key
    # Backups of the whole installation (database, evidence, configuration), and restoring one.
    "backup.create": frozenset({Role.ADMIN}),
    "backup.restore": frozenset({Role.ADMIN}),
    # Cases group incidents; sharing one is how external counsel sees anything (rules 12 and 13).
    "case.view": CASE_READERS,  # leads: every case; everyone else: the cases shared with them
    "case.edit": LEADS,  # create, rename, add and remove incidents, share with an account, stop sharing
    "incident.grant": LEADS,  # name the users who may see a restricted incident, or remove them
    # Daily work (svidok.work, docs/daily-work.md). Who may be assigned a record: svidok.work.services.
    "work.assign": LEADS,  # assign an incident or a proposal to a member who may work on it, or unassign it
    "work.take": EDITORS,  # take an incident or a proposal one may work on for oneself
    "work.comment": ALL_ROLES,  # read and write comments (with @mentions) on the records one sees
    "work.personal": ALL_ROLES,  # one's dashboard lists, notifications and saved searches
}

# Which incident sensitivities each role sees. Documenters also see restricted incidents they wrote.
SENSITIVITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({"public", "internal", "restricted"}),
    Role.COORDINATOR: frozenset({"public", "internal", "restricted"}),
    Role.DOCUMENTER: frozenset({"public", "internal"}),
    Role.ANALYST: frozenset({"public", "internal"}),
    Role.VIEWER: frozenset({"public", "internal"}),
    Role.COUNSEL: frozenset({"public", "internal"}),  # and only within the cases shared with them
}

# Which incident statuses each role sees. Documenters also see their own drafts.
STATUSES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({"draft", "submitted", "verified", "rejected", "duplicate"}),
    Role.COORDINATOR: frozenset({"draft", "submitted", "verified", "rejected", "duplicate"}),
    Role.DOCUMENTER: frozenset({"submitted", "verified", "rejected", "duplicate"}),
    Role.ANALYST: frozenset({"submitted", "verified", "rejected", "duplicate"}),
    Role.VIEWER: frozenset({"verified"}),
    Role.COUNSEL: frozenset({"submitted", "verified"}),
}


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def can(user, action: str) -> bool:
    role = role_of(user)
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    return role is not None and role in ACTIONS[action]


def can_edit_incident(user, incident) -> bool:
    if not can(user, "incident.edit"):
        return False
    if user.role in LEADS:
        return True
    return incident.created_by_id == user.pk and incident.status in {"draft", "submitted"}


def can_submit_incident(user, incident) -> bool:
    return incident.status == "draft" and can_edit_incident(user, incident)


def second_pair_of_eyes_needed(actor, earlier_user_ids) -> bool:
    """True when the four-eyes rule (``SVIDOK_FOUR_EYES``, on by default) refuses ``actor`` a decision
    because ``actor`` is one of ``earlier_user_ids``: the people whose work the decision approves (an
    incident's recorder; a proposal's member reviewers). Unknown authors (None) never match."""
    actor_id = getattr(actor, "pk", None)
    return bool(settings.SVIDOK_FOUR_EYES) and actor_id is not None and actor_id in set(earlier_user_ids)


def can_review_incident(user, incident) -> bool:
    return can(user, "incident.review") and incident.status == "submitted"


# Actions whose answer depends on the object too: (actor, obj) -> bool, checked after the role.
OBJECT_RULES = {
    "incident.edit": can_edit_incident,
    "incident.submit": can_submit_incident,
    "incident.review": can_review_incident,
}


def require(actor, action: str, obj=None) -> None:
    """The one authorization rule: ``PermissionDenied`` unless ``actor`` may do ``action`` (on
    ``obj``, for the actions whose rule looks at the object). Every service, view and API call
    asks it. There is no implicit superuser: an actor of None, anonymous or inactive is refused
    like a role without the permission. Commands act as a named user or as the audited system
    account (``accounts.services.system_account``)."""
    allowed = OBJECT_RULES[action](actor, obj) if obj is not None and action in OBJECT_RULES else can(actor, action)
    if not allowed:
        raise PermissionDenied(action)
