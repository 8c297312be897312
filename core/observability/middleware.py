"""Per-request machinery, outermost in MIDDLEWARE: the request id, then the measurements.

`RequestIdMiddleware` keeps a well-formed incoming `X-Request-ID` (1–128 visible ASCII
characters) or makes a new UUID, binds it to the log context for the whole request and puts it on
every response, errors and redirects included. `RequestMetricsMiddleware` counts the request by
route name and status, times it, counts its database queries, and writes the one access line of
the request (path without its query string: search terms are private).
"""

import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import connection
from django.urls import Resolver404, get_urlconf, resolve

from . import metrics
from .context import REQUEST_ID_HEADER, REQUEST_ID_META, accept_request_id, bound, current_creator_id

access_logger = logging.getLogger("crm.access")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# Probes and scrapes arrive every few seconds: their access lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"healthz", "readyz", "metrics", "live_healthz"})
MAX_LOGGED_PATH = 512


class _Middleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)


class RequestIdMiddleware(_Middleware):
    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        request_id = accept_request_id(request.META.get(REQUEST_ID_META))
        request.request_id = request_id
        with bound(request_id=request_id):
            response = self.get_response(request)
            request.log_creator_id = current_creator_id()  # for django.request's line, written after
        response[REQUEST_ID_HEADER] = request_id
        return response

    async def __acall__(self, request):
        request_id = accept_request_id(request.META.get(REQUEST_ID_META))
        request.request_id = request_id
        with bound(request_id=request_id):
            response = await self.get_response(request)
            request.log_creator_id = current_creator_id()
        response[REQUEST_ID_HEADER] = request_id
        return response


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def route_name(request) -> str:
    """The URL name of the matched route (`namespace:name`, or the view's dotted path when it has
    no name); `unmatched` for a path no route matches. Never the raw path: labels stay bounded."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before URL resolution (a body refused, a redirect), or a 404
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None) or get_urlconf())
        except Resolver404:
            return UNMATCHED
    return match.view_name or UNMATCHED


def observe(request, response, seconds: float, queries: int | None) -> None:
    route = route_name(request)
    method = request.method if request.method in KNOWN_METHODS else "other"
    status = str(response.status_code)
    metrics.HTTP_REQUESTS.labels(route=route, method=method, status=status).inc()
    metrics.HTTP_LATENCY.labels(route=route, method=method, status=status).observe(seconds)
    if queries is not None:
        metrics.HTTP_QUERIES.labels(route=route).observe(queries)
    duration_ms = round(seconds * 1000, 1)
    path = request.path[:MAX_LOGGED_PATH]
    access_logger.log(
        logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
        "%s %s %s %sms",
        method,
        path,
        status,
        duration_ms,
        extra={
            "method": method,
            "route": route,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "db_queries": queries,
        },
    )


class RequestMetricsMiddleware(_Middleware):
    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        start = time.perf_counter()
        queries = _QueryCounter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        observe(request, response, time.perf_counter() - start, queries.count)
        return response

    async def __acall__(self, request):
        # Async views run their queries on other threads' connections: not counted here.
        start = time.perf_counter()
        response = await self.get_response(request)
        observe(request, response, time.perf_counter() - start, None)
        return response
