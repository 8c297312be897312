"""Page/limit pagination of the seed-002 lists: `pagination` beside `data`, with a true total."""

import math
from dataclasses import dataclass

from core.exceptions import InvalidInput

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
        return {
            "page": self.page,
            "limit": self.limit,
            "total": total,
            "pages": math.ceil(total / self.limit),
        }


def paginate(request, queryset, *, decorate=None):
    """(rows of the requested page, pagination dict) for a filtered, ordered queryset.

    `total` counts the bare filtered rows. `decorate` adds what only shown rows need (per-row
    subqueries, joins, prefetches): it is applied to the page's ids alone, because PostgreSQL
    computes the select list of every row an OFFSET skips — with the counters as correlated
    subqueries, page 1000 took a second; decorated after paging it costs what page 1 costs.
    """
    page = Page.from_request(request)
    total = queryset.order_by().count()
    meta = page.meta(total)
    if page.offset >= total:
        return [], meta
    page_rows = page.slice(queryset)
    if decorate is None:
        return list(page_rows), meta
    ordering = queryset.query.order_by
    page_ids = page_rows.values("pk")
    return list(decorate(queryset.model._default_manager.filter(pk__in=page_ids)).order_by(*ordering)), meta
