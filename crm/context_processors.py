from functools import partial

from crm import selectors


def creator(request):
    """The logged-in creator (or None) for every template, and the nav badge's unread total
    (a callable: read only when a template shows it)."""
    user = getattr(request, "user", None)
    current = getattr(user, "creator", None) if user and user.is_authenticated else None
    context = {"current_creator": current}
    if current is not None:
        context["nav_unread_total"] = partial(selectors.unread_total, creator_id=current.pk)
    return context
