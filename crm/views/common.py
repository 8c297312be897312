"""What every creator page shares: login, the creator of the request, and 404 for foreign ids."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core.exceptions import NotFound
from core.http import no_store
from core.observability.context import bind_creator
from core.pages import empty_choice_reads_any, query_without
from crm import selectors
from crm.security import sessions
from crm.teams import actor, policy

ANY_MEMBER = None  # `creator_page(ANY_MEMBER)`: every role may open the page


def creator_page(action):
    """`@creator_page(policy.Action.X)`: log-in required (redirect to /auth/login?next=...), a
    creator to act for (the session's active one, crm.teams.acting.page_member; a login without
    any has no pages here: 404), the member's role allowed `action` by the policy (403
    otherwise; `ANY_MEMBER` for pages every role opens), the selectors' NotFound (missing id or
    another creator's id alike) turned into the HTML 404, and `Cache-Control: no-store`: these
    pages show decrypted notes, emails, phones and keys, which no browser or proxy cache may
    keep. The view gets the creator; `request.member` says who acts."""
    if callable(action):
        raise TypeError("creator_page needs the policy action the page requires")

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            member = sessions.active_member(request)
            if member is None:  # a staff login without a creator or a membership has no pages here
                raise Http404("No creator account")
            request.member = member
            bind_creator(member.creator.pk)  # every log line of the request names it
            if action is not ANY_MEMBER:
                policy.require(member, action)
            token = actor.set_current(actor.from_member(member))
            try:
                return view(request, member.creator, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message)
            finally:
                actor.reset(token)

        @wraps(view)
        def no_store_wrapper(request, *args, **kwargs):
            return no_store(wrapper(request, *args, **kwargs))

        return no_store_wrapper

    return decorate


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
