"""What every creator page shares: login, the creator of the request, and 404 for foreign ids."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core.exceptions import NotFound
from core.http import no_store
from core.observability.context import bind_creator
from core.pages import empty_choice_reads_any, query_without
from crm import selectors


def creator_page(view):
    """Log-in required (redirect to /auth/login?next=...), a creator account required, the
    selectors' NotFound (missing id or another creator's id alike) turned into the HTML 404, and
    `Cache-Control: no-store`: these pages show decrypted notes, emails, phones and keys, which
    no browser or proxy cache may keep."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        creator = getattr(request.user, "creator", None)
        if creator is None:  # a staff login without a creator profile has no pages here
            raise Http404("No creator account")
        bind_creator(creator.pk)  # every log line of the request names it
        try:
            return view(request, creator, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message)

    @wraps(view)
    def no_store_wrapper(request, *args, **kwargs):
        return no_store(wrapper(request, *args, **kwargs))

    return no_store_wrapper


def list_page_context(request, creator, *, filters, sorts: dict, default_sort: str, read_page) -> dict:
    """What the filtered, sorted, keyset-paged lists (fans, inbox) show besides their rows.

    `sorts` maps a sort key to (label, ordering); `read_page` is the selector of one page.
    """
    empty_choice_reads_any(filters.form)
    sort = request.GET.get("sort")
    if sort not in sorts:
        sort = default_sort
    return {
        "filters": filters,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _o) in sorts.items()],
        "page": read_page(
            creator=creator,
            filters=filters,
            sort=sort,
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        ),
        "base_query": query_without(request, "after", "before"),
        "tag_names": selectors.creator_tag_names(creator=creator),
    }
