def creator(request):
    """The logged-in creator (or None) for every template."""
    user = getattr(request, "user", None)
    return {"current_creator": getattr(user, "creator", None) if user and user.is_authenticated else None}
