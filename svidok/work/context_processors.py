from svidok.accounts import rules
from svidok.work.queries import notifications_for


def notifications(request):
    """The unread count beside "Notifications" in the navigation: one count query per page."""
    user = getattr(request, "user", None)
    if user is None or not rules.can(user, "work.personal"):
        return {}
    return {"unread_notifications": notifications_for(user).filter(read_at=None).count()}
