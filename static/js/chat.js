/* The visitor chat on /c/<slug>/: send without a reload, see replies live.
 *
 * The section says where the visitor's stream is (data-chat-live-url) and the cursor the page
 * was drawn at (data-chat-after). Messages arrive as server-sent events rendered by the server
 * and are placed by id (one already shown is replaced, never added twice); EventSource resumes
 * with the last id it saw. Sending goes through POST /api/chat/messages (multipart: text and
 * files); the sent message comes back on the stream like a reply. Without EventSource the API is
 * polled; without this script the forms post and the page reloads.
 */
(function () {
  "use strict";
  var section = document.getElementById("chat");
  if (!section || !section.dataset.chatLiveUrl) return;
  var list = document.getElementById("chat-messages");
  var form = document.getElementById("chat-send");
  var errorBox = section.querySelector("[data-chat-error]");
  var endedNote = section.querySelector("[data-chat-ended]");
  var apiUrl = section.dataset.chatApi;
  var slug = section.dataset.chatSlug;
  var lastMessage = 0;

  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = "";
    if (text) {
      var p = document.createElement("p");
      p.textContent = text;
      errorBox.appendChild(p);
    }
    errorBox.hidden = !text;
  }

  function place(id, html) {
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    var existing = document.getElementById("chat-message-" + id);
    if (existing) existing.replaceWith(node); else list.appendChild(node);
    lastMessage = Math.max(lastMessage, id);
    node.scrollIntoView({ block: "end" });
  }

  function ended(state) {
    if (endedNote) {
      endedNote.textContent = state === "blocked" ? "This chat is not available to you." : "This chat has ended.";
      endedNote.hidden = false;
    }
    if (form) form.hidden = true;
  }

  list.querySelectorAll("[data-chat-message]").forEach(function (node) {
    lastMessage = Math.max(lastMessage, Number(node.dataset.chatMessage));
  });

  /* --- Receiving ----------------------------------------------------------------------- */
  function poll() {
    // Without a stream: the API, after the last message shown.
    fetch(apiUrl + "?model_id=" + encodeURIComponent(slug) + "&after=" + lastMessage, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        body.data.forEach(function (m) { place(m.id, renderPlain(m)); });
        if (body.chat && body.chat.ended) ended("ended");
      })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 3000); });
  }

  function renderPlain(m) {
    // The API's message as the page draws it (text only through textContent: never markup).
    var li = document.createElement("li");
    li.className = "message " + (m.sender === "visitor" ? "out" : "in");
    li.id = "chat-message-" + m.id;
    li.dataset.chatMessage = m.id;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    if (m.text) { var p = document.createElement("p"); p.textContent = m.text; bubble.appendChild(p); }
    if (m.file) {
      var a = document.createElement("a");
      a.href = m.file.url; a.setAttribute("download", ""); a.textContent = "📎 " + m.file.name;
      var fp = document.createElement("p"); fp.className = "attachment"; fp.appendChild(a); bubble.appendChild(fp);
    }
    li.appendChild(bubble);
    var meta = document.createElement("p");
    meta.className = "meta muted";
    meta.textContent = m.sender === "visitor" ? "You" : "Team";
    li.appendChild(meta);
    return li.outerHTML;
  }

  if (window.EventSource) {
    var url = section.dataset.chatLiveUrl + "?after=" + encodeURIComponent(section.dataset.chatAfter || "0");
    var source = new EventSource(url);
    source.addEventListener("message", function (e) {
      var data = JSON.parse(e.data);
      place(data.message, data.html);
    });
    source.addEventListener("chat", function (e) {
      var data = JSON.parse(e.data);
      if (data.state === "ended" || data.state === "blocked") { ended(data.state); source.close(); }
    });
    source.addEventListener("reset", function () { window.location.reload(); });
  } else {
    poll();
  }

  /* --- Sending ------------------------------------------------------------------------- */
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      data.delete("csrfmiddlewaretoken");
      data.append("model_id", slug);
      var files = form.querySelector("input[type=file]");
      if (files && !files.files.length) data.delete("files");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(apiUrl, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) {
          return r.json().then(function (body) { return { ok: r.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) { showError(result.body.error || "Your message was not sent."); return; }
          showError("");
          form.reset();
          result.body.data.forEach(function (m) {
            if (!document.getElementById("chat-message-" + m.id)) place(m.id, renderPlain(m));
          });
        })
        .catch(function () { showError("Your message was not sent: check your connection and try again."); })
        .finally(function () { button.disabled = false; });
    });
  }
})();
