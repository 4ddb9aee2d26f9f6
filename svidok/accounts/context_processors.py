from svidok.accounts import rules


def navigation(request):
    user = getattr(request, "user", None)
    return {"can": {action: rules.can(user, action) for action in rules.ACTIONS} if user and user.is_authenticated else {}}
