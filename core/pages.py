"""Helpers of the server-rendered list pages that need no creator."""


def query_without(request, *names: str) -> str:
    """The current query string without some parameters (to build cursor links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def empty_choice_reads_any(form) -> None:
    """Filter selects offer "Any" rather than django-filter's "---------"."""
    for field in form.fields.values():
        # django-filter's choice fields prepend their `empty_label` to the choices themselves.
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = "Any"
            field.widget.choices = list(field.choices)
