/* Live updates of the inbox, the open thread, the nav badge and job progress elements.
 *
 * The page says where its feed is (body[data-live-url]) and the cursor it was drawn at
 * (data-live-after). Events arrive over server-sent events; EventSource resumes with the last
 * id it saw after a dropped connection. Every change is applied by id (a message already shown is
 * replaced, never added twice). When the stream cannot be held, the page is polled with
 * If-None-Match (304 while nothing changed) until the stream comes back. Without this script
 * every page still shows the same on reload.
 */
(function () {
  "use strict";
  var body = document.body;
  var streamUrl = body.dataset.liveUrl;
  if (!streamUrl) return;
  var after = body.dataset.liveAfter || "0";
  var etag = body.dataset.liveEtag || null;
  var thread = document.getElementById("thread");
  var messages = document.getElementById("thread-messages");
  var reply = document.getElementById("reply");
  var newBelow = document.getElementById("new-below");
  var inboxList = document.getElementById("inbox-list");

  /* --- The nav badge and progress elements --------------------------------------------- */
  function setUnread(total) {
    if (total === null || total === undefined) return;
    document.querySelectorAll("[data-live-unread]").forEach(function (badge) {
      var count = badge.querySelector("[data-count]");
      if (count) count.textContent = String(total);
      badge.hidden = !total;
    });
  }

  function setProgress(data) {
    document.querySelectorAll("[data-live-job]").forEach(function (box) {
      if (box.dataset.liveJob !== String(data.job)) return;
      var bar = box.querySelector("progress");
      if (bar) {
        if (data.total) { bar.max = data.total; bar.value = data.done; } else { bar.removeAttribute("value"); }
      }
      var label = box.querySelector("[data-live-job-label]");
      if (label) {
        label.textContent = (data.label ? data.label + ": " : "") + data.done + (data.total ? " of " + data.total : "") +
          (data.state === "done" ? " — done" : data.state === "failed" ? " — failed" : "");
      }
      box.dataset.state = data.state;
    });
  }

  /* --- The open thread ------------------------------------------------------------------ */
  // The reader follows the newest message while the reply box is (partly) on screen; scrolling
  // up to read older messages stops that until they come back down.
  function following() {
    if (!reply) return false;
    return reply.getBoundingClientRect().top < window.innerHeight;
  }

  function keepReplyInView() {
    if (reply) reply.scrollIntoView({ block: "end" });
  }

  function markRead() {
    var url = thread && thread.dataset.readUrl;
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !token || document.visibilityState !== "visible") return;
    var form = new FormData();
    form.append("csrfmiddlewaretoken", token.value);
    fetch(url, { method: "POST", body: form, credentials: "same-origin", redirect: "manual" }).catch(function () {});
  }

  function showMessage(node, direction) {
    var id = node.id;
    var shown = id && document.getElementById(id);
    if (shown) { shown.replaceWith(node); return; }
    if (!("liveLatest" in thread.dataset)) {  // an older page: say so, do not append
      if (newBelow) newBelow.hidden = false;
      return;
    }
    var wasFollowing = following();
    var empty = messages.querySelector(".no-messages");
    if (empty) empty.remove();
    messages.appendChild(node);
    if (wasFollowing) keepReplyInView(); else if (newBelow) newBelow.hidden = false;
    if (direction === "in") markRead();
  }

  function htmlNode(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    // An event is rendered once for every watcher, so its forms (a failed reply's Retry) carry
    // no CSRF token: they take this page's.
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (node && token) {
      node.querySelectorAll("form[method=post]").forEach(function (form) {
        if (!form.querySelector("input[name=csrfmiddlewaretoken]")) form.appendChild(token.cloneNode());
      });
    }
    return node;
  }

  function onMessage(data) {
    setUnread(data.unread_total);
    if (thread && messages && String(data.conversation) === thread.dataset.conversation) {
      showMessage(htmlNode(data.html), data.direction);
    }
    refreshListSoon();
  }

  if (thread && reply && "liveLatest" in thread.dataset && !location.hash) keepReplyInView();
  if (newBelow) {
    newBelow.addEventListener("click", function (event) {
      event.preventDefault();
      newBelow.hidden = true;
      keepReplyInView();
    });
    window.addEventListener("scroll", function () { if (following()) newBelow.hidden = true; }, { passive: true });
  }

  /* --- Re-reading the page (the inbox list on a change; the fallback poll) ---------------- */
  var refreshTimer = null;
  var reading = false;

  function refreshListSoon() {
    if (!inboxList) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(readPage, 80);  // one read for a burst of events
  }

  function applyPage(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var list = fresh.getElementById("inbox-list");
    if (inboxList && list) inboxList.innerHTML = list.innerHTML;
    var badge = fresh.querySelector("[data-live-unread] [data-count]");
    if (badge) setUnread(parseInt(badge.textContent, 10) || 0);
    var freshMessages = fresh.getElementById("thread-messages");
    if (thread && messages && freshMessages) {
      Array.prototype.forEach.call(freshMessages.querySelectorAll("li[data-message]"), function (node) {
        showMessage(document.importNode(node, true), node.classList.contains("in") ? "in" : "");
      });
    }
  }

  function readPage() {
    if (reading) { refreshListSoon(); return Promise.resolve(); }
    reading = true;
    var headers = { "X-Live-Refresh": "1" };
    if (etag) headers["If-None-Match"] = etag;
    return fetch(location.href, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected) { location.reload(); return; }  // signed out: show the login
        if (response.status !== 200) return;
        etag = response.headers.get("ETag") || etag;
        return response.text().then(applyPage);
      })
      .catch(function () {})
      .then(function () { reading = false; });
  }

  /* --- The stream, and the poll while it is down ----------------------------------------- */
  var source = null;
  var pollTimer = null;
  var retryDelay = 2000;

  function listen(kind, handler) {
    source.addEventListener(kind, function (event) {
      if (event.lastEventId) after = event.lastEventId;
      handler(JSON.parse(event.data));
    });
  }

  function connect() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(streamUrl + "?after=" + encodeURIComponent(after));
    source.onopen = function () { retryDelay = 2000; clearTimeout(pollTimer); pollTimer = null; };
    listen("message", onMessage);
    listen("conversation", function (data) { setUnread(data.unread_total); refreshListSoon(); });
    listen("job", setProgress);
    source.addEventListener("reset", function () { source.close(); location.reload(); });
    source.onerror = function () {
      // A dropped stream is retried by EventSource itself; a refused one (an error answer)
      // is closed for good: poll meanwhile and try the stream again later.
      if (source.readyState !== EventSource.CLOSED) return;
      poll();
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  function poll() {
    clearTimeout(pollTimer);
    readPage().then(function () {
      if (!source || source.readyState === EventSource.CLOSED) pollTimer = setTimeout(poll, 5000);
    });
  }

  // A stream needs `after` to be a cursor it knows; body[data-live-after] always is.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && thread && thread.querySelector("li.in")) markRead();
  });
  connect();
})();
