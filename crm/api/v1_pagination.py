"""Page/limit pagination of the seed-002 lists: `pagination` beside `data`, with a true total."""

import math
from dataclasses import dataclass

from crm.exceptions import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def _positive_int(raw, field: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise InvalidInput(f"Invalid {field}", field=field)
    return int(text)


@dataclass(frozen=True)
class Page:
    page: int
    limit: int

    @classmethod
    def from_request(cls, request) -> "Page":
        """`page` ≥ 1 (default 1); `limit` ≥ 1 (default 50), capped at 100 as documented."""
        params = request.query_params
        page = _positive_int(params["page"], "page") if params.get("page", "") != "" else 1
        limit = _positive_int(params["limit"], "limit") if params.get("limit", "") != "" else DEFAULT_LIMIT
        return cls(page=page, limit=min(limit, MAX_LIMIT))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def slice(self, queryset):
        return queryset[self.offset : self.offset + self.limit]

    def meta(self, total: int) -> dict:
        return {"page": self.page, "limit": self.limit, "total": total, "pages": math.ceil(total / self.limit)}


def paginate(request, queryset, *, count_queryset=None):
    """(rows of the requested page, pagination dict). Counting uses `count_queryset` when given,
    so the count can run on the bare filtered rows, without the list's annotations and joins."""
    page = Page.from_request(request)
    total = (count_queryset if count_queryset is not None else queryset).count()
    rows = list(page.slice(queryset)) if page.offset < total else []
    return rows, page.meta(total)
