"""The attack of the issue, replayed against a running server: 100 wrong passwords on the login
page from 4 threads. Exactly the budget gets through; the right password afterwards is refused;
every attempt is counted."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db.models import Sum

from crm.choices import AuthEventKind
from crm.models import AuthEvent
from tests.e2e.conftest import _no_media_route  # noqa: F401 - the live server needs it first
from tests.factories import DEFAULT_PASSWORD, CreatorFactory

THREADS = 4
ATTEMPTS_PER_THREAD = 25
BUDGET = 10
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client of the live server (no redirects followed)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def log_in(self, login: str, password: str) -> tuple[int, str, dict]:
        _status, page, _headers = self.request("/auth/login")
        token = CSRF.search(page).group(1)
        return self.request("/auth/login", {"csrfmiddlewaretoken": token, "username": login, "password": password})


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_no_media_route")
def test_a_hundred_wrong_passwords_from_four_threads(live_server, settings):
    settings.LOGIN_RATE_LIMIT = f"{BUDGET}/5m"
    user = CreatorFactory().user
    statuses: list[int] = []
    lock = threading.Lock()

    def attack(thread: int):
        browser = Browser(live_server.url)
        for attempt in range(ATTEMPTS_PER_THREAD):
            status, _body, _headers = browser.log_in(user.email, f"guess-{thread}-{attempt}")
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == THREADS * ATTEMPTS_PER_THREAD
    assert statuses.count(200) == BUDGET  # wrong password, shown as a form error
    assert statuses.count(429) == THREADS * ATTEMPTS_PER_THREAD - BUDGET
    status, body, headers = Browser(live_server.url).log_in(user.email, DEFAULT_PASSWORD)
    assert status == 429 and int(headers["Retry-After"]) >= 1 and "Too many sign-in attempts" in body
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED).count() == BUDGET
    refused = AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_THROTTLED).aggregate(n=Sum("count"))["n"]
    assert refused == THREADS * ATTEMPTS_PER_THREAD - BUDGET + 1
