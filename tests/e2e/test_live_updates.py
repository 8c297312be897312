"""Done when (issue 18): with the inbox and a thread open, a signed Instagram webhook (processed by
the worker) and a teammate's reply both appear without reload within 2 s; a dropped connection
resumes without a gap; a member of another creator receives none of it. Against the real
processes (tests/e2e/live_stack.py), not the WSGI live server."""

import json
import os
import signal
import time
import urllib.request
import uuid

import pytest

from tests.e2e.conftest import LAPTOP, PHONE, checked_page
from tests.webhooks.conftest import load
from webhooks.intake import sign

from .live_stack import live_stack  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.once]

APPEARS_WITHIN_MS = 2000
# What a page's own EventSource would see, collected by a second one (a watcher's view of the stream).
COLLECT = """() => { window.__seen = []; const s = new EventSource('/live/events?after=0');
  for (const kind of ['message', 'conversation', 'job']) s.addEventListener(kind, e => window.__seen.push(e.data)); }"""


def send_dm(stack, text: str) -> None:
    delivery = load("messaging")
    item = delivery["entry"][0]["messaging"][0]
    item["message"] = {"mid": f"mid-{uuid.uuid4().hex}", "text": text}
    item["timestamp"] = int(time.time() * 1000)
    body = json.dumps(delivery).encode()
    request = urllib.request.Request(
        f"{stack.url}/api/webhooks/instagram", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, stack.webhook_secret)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.status == 200


def log_in(page, email, password):
    page.goto("/auth/login")
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def message_texts(page) -> list[str]:
    return page.locator("#thread-messages li[data-message] .bubble").all_inner_texts()


def test_the_inbox_and_an_open_thread_update_themselves(browser, live_stack):  # noqa: F811
    stack = live_stack
    send_dm(stack, "Hi! Do you do customs?")  # the fan's first DM opens the conversation

    creator_pages = checked_page(browser, stack.url, LAPTOP)
    inbox = next(creator_pages)
    log_in(inbox, stack.creator_email, stack.password)
    inbox.goto("/inbox/")
    inbox.locator("#inbox-list a.row-title").first.wait_for(timeout=10_000)  # the worker made it
    thread = inbox.context.new_page()
    thread.goto(inbox.locator("#inbox-list a.row-title").first.get_attribute("href"))
    thread.wait_for_selector("#thread-messages li[data-message]")
    # It opens at the newest message with the reply box in view.
    assert thread.locator("#reply").evaluate("e => e.getBoundingClientRect().top < window.innerHeight")
    assert thread.locator("#thread-messages li[data-message]").last.is_visible()

    other_pages = checked_page(browser, stack.url, PHONE)
    other = next(other_pages)
    log_in(other, stack.other_email, stack.password)
    other.goto("/inbox/")
    other.evaluate(COLLECT)
    thread.evaluate(COLLECT)

    # 1. A signed webhook, processed by the worker, appears in the thread and in the inbox.
    send_dm(stack, "Second DM from the webhook")
    sent_at = time.monotonic()
    thread.get_by_text("Second DM from the webhook").wait_for(timeout=APPEARS_WITHIN_MS)
    webhook_seconds = time.monotonic() - sent_at
    inbox.locator("#inbox-list").get_by_text("2 messages").wait_for(timeout=APPEARS_WITHIN_MS)
    # The open thread read it: the badge the inbox shows goes back to nothing unread.
    inbox.locator("[data-live-unread]").wait_for(state="hidden", timeout=APPEARS_WITHIN_MS)
    assert thread.locator("#reply").evaluate("e => e.getBoundingClientRect().top < window.innerHeight")

    # 2. A teammate's reply (a chatter of the creator's team) appears in place.
    teammate_pages = checked_page(browser, stack.url, LAPTOP)
    teammate = next(teammate_pages)
    log_in(teammate, stack.chatter_email, stack.password)
    teammate.goto(thread.url)
    teammate.locator("#id_text").fill("On it, teammate here")
    teammate.get_by_role("button", name="Send").click()
    teammate.wait_for_url(thread.url)
    sent_at = time.monotonic()
    thread.get_by_text("On it, teammate here").wait_for(timeout=APPEARS_WITHIN_MS)
    reply_seconds = time.monotonic() - sent_at
    inbox.locator("#inbox-list").get_by_text("3 messages").wait_for(timeout=APPEARS_WITHIN_MS)

    # 3. The live process dies (every stream drops at once); a DM arrives meanwhile; it comes back.
    live = next(p for p in stack.stack.processes if p.name == "live" and p.popen.poll() is None)
    os.killpg(live.popen.pid, signal.SIGKILL)
    live.popen.wait(timeout=20)
    send_dm(stack, "Sent while the stream was down")
    time.sleep(1.0)  # processed by the worker while nobody streams
    stack.start_live()
    stack.wait_live()
    thread.get_by_text("Sent while the stream was down").wait_for(timeout=10_000)
    inbox.locator("#inbox-list").get_by_text("4 messages").wait_for(timeout=10_000)
    texts = message_texts(thread)
    assert texts == ["Hi! Do you do customs?", "Second DM from the webhook", "On it, teammate here",
                     "Sent while the stream was down"], texts  # in order, none missing, none twice
    ids = thread.locator("#thread-messages li[data-message]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) == 4

    # 4. The other creator's member saw none of it.
    other.wait_for_timeout(500)
    assert other.evaluate("window.__seen") == []
    assert "customs" not in other.content() and "teammate" not in other.content()
    assert other.locator("[data-live-unread]").is_hidden()
    assert any("Second DM" in seen for seen in thread.evaluate("window.__seen"))

    print(f"webhook → thread {webhook_seconds:.2f}s, teammate reply → thread {reply_seconds:.2f}s")
    for pages in (teammate_pages, other_pages, creator_pages):
        next(pages, None)


def test_without_javascript_a_reload_shows_the_same(browser, live_stack):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, base_url=live_stack.url)
    page = context.new_page()
    log_in(page, live_stack.creator_email, live_stack.password)
    send_dm(live_stack, "Seen on reload")
    time.sleep(1.5)
    page.goto("/inbox/")
    page.locator("#inbox-list a.row-title").first.click()
    page.get_by_text("Seen on reload").wait_for(timeout=5000)
    context.close()


def test_a_long_job_drives_a_progress_element(browser, live_stack):  # noqa: F811
    pages = checked_page(browser, live_stack.url, LAPTOP)
    page = next(pages)
    log_in(page, live_stack.creator_email, live_stack.password)
    page.goto("/inbox/")
    page.wait_for_function("document.body.dataset.liveUrl !== undefined")
    # The element partials/progress.html draws, as a page showing the job would include it.
    page.evaluate("""document.getElementById('main').insertAdjacentHTML('beforeend',
      '<div class="job-progress" data-live-job="import-7" role="status"><progress max="1" value="0"></progress>'
      + '<span data-live-job-label></span></div>')""")
    page.wait_for_timeout(300)  # the stream is open
    live_stack.stack.run("shell", "-c", (
        "import time\n"
        "from crm.live import job_progress\n"
        "from crm.models import Creator\n"
        "c = Creator.objects.get(slug='studio-live')\n"
        "r = job_progress(creator_id=c.pk, job='import-7', total=40, label='Import').start()\n"
        "for _ in range(40):\n    r.advance(); time.sleep(0.02)\n"
        "r.finish()\n"))
    label = page.locator("[data-live-job='import-7'] [data-live-job-label]")
    label.filter(has_text="Import: 40 of 40 — done").wait_for(timeout=APPEARS_WITHIN_MS)
    assert page.locator("[data-live-job='import-7'] progress").evaluate("e => [e.value, e.max]") == [40, 40]
    next(pages, None)


def test_a_stopping_live_worker_ends_its_streams_at_once(live_stack):  # noqa: F811
    """gunicorn waits on SIGTERM for open connections; streams never finish by themselves, so
    the live process ends them first (a deploy's reload does not wait the graceful timeout)."""
    from tests.stack.processes import EventStream

    code = ("from django.test import Client; from django.contrib.auth import get_user_model; c = Client(); "
            f"c.force_login(get_user_model().objects.get(email='{live_stack.creator_email}')); "
            "print('SESSION=' + c.cookies['sessionid'].value)")
    session = live_stack.stack.run("shell", "-c", code).split("SESSION=")[1].split()[0]
    stream = EventStream(live_stack.live_port, session)
    assert stream.read_until(b"retry: ").startswith(b"HTTP/1.1 200")
    time.sleep(0.5)
    live = next(p for p in live_stack.stack.processes if p.name == "live" and p.popen.poll() is None)
    stopped_at = time.monotonic()
    os.killpg(live.popen.pid, signal.SIGTERM)
    live.popen.wait(timeout=20)
    assert time.monotonic() - stopped_at < 5  # not the 30 s graceful timeout
    assert stream.read_until(b"0\r\n\r\n", timeout=1).endswith(b"0\r\n\r\n")  # the stream ended cleanly
    stream.close()
    live_stack.start_live()
    live_stack.wait_live()


def test_a_reader_who_scrolled_up_is_not_pulled_down(browser, live_stack):  # noqa: F811
    pages = checked_page(browser, live_stack.url, PHONE)
    page = next(pages)
    log_in(page, live_stack.creator_email, live_stack.password)
    page.goto("/inbox/")
    page.goto(page.locator("#inbox-list a.row-title").first.get_attribute("href"))
    page.wait_for_selector("#thread-messages li[data-message]")
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight + 200"), "a thread taller than the phone"
    in_view = "e => e.getBoundingClientRect().top < window.innerHeight"
    assert page.locator("#reply").evaluate(in_view)  # opened at the newest, reply box in view
    page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")  # the reader goes up to read older messages
    send_dm(live_stack, "Arrived while reading above")
    page.locator("#thread-messages").get_by_text("Arrived while reading above").wait_for(state="attached", timeout=APPEARS_WITHIN_MS)
    assert page.evaluate("window.scrollY") == 0 and not page.locator("#reply").evaluate(in_view)
    notice = page.locator("#new-below")
    assert notice.is_visible()
    notice.click()
    page.wait_for_function("document.getElementById('reply').getBoundingClientRect().top < window.innerHeight")
    assert page.get_by_text("Arrived while reading above").is_visible()
    next(pages, None)
