"""Notification e-mails (docs/daily-work.md, docs/decisions.md "notifications by e-mail").

Privacy first: an e-mail leaves the installation and sits in mailboxes we do not control, so it
names no record's title, comment, person or place: only who did what (a colleague's username), the
incident's reference (a proposal is "a sanctions proposal") and the link, which asks to sign in.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from svidok.work.models import Notification


def link(notification: Notification) -> str:
    if notification.incident_id:
        path = reverse("incidents:detail", args=[notification.incident.reference])
    else:
        path = reverse("sanctions:proposal_detail", args=[notification.proposal.uuid])
    return settings.SVIDOK_SITE_URL + path


def what(notification: Notification) -> str:
    """One line, with the reference but no title: "coordinator assigned you incident SV-2018-000001"."""
    record = (_("incident %(reference)s") % {"reference": notification.incident.reference} if notification.incident_id
              else _("a sanctions proposal"))
    actor = notification.actor.username if notification.actor_id else _("Svidok")
    texts = {
        Notification.Kind.ASSIGNED: _("%(actor)s assigned you %(record)s."),
        Notification.Kind.MENTIONED: _("%(actor)s mentioned you in a comment on %(record)s."),
        Notification.Kind.COMMENTED: _("%(actor)s commented on %(record)s, which is assigned to you."),
        Notification.Kind.STATUS: _("%(actor)s changed the status of %(record)s, which you recorded."),
    }
    return texts[notification.kind] % {"actor": actor, "record": record}


def send_notification(pk: int) -> bool:
    """Send one notification's e-mail; False when there is nothing to send (read already, no address)."""
    notification = Notification.objects.select_related("recipient", "actor", "incident", "proposal").filter(pk=pk).first()
    if notification is None or notification.read_at or not notification.recipient.email or not notification.recipient.is_active:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        body = "\n\n".join([what(notification), _("Open it in Svidok (you will be asked to sign in):"), link(notification),
                            _("You receive this because e-mail notifications are on for Svidok.")])
        send_mail(subject=_("Svidok: a new notification"), message=body, from_email=None,
                  recipient_list=[notification.recipient.email])
    return True
