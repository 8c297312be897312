/* A visitor chat's thread: the reply form sends without leaving the page, so the team chats as
 * the visitor does; the reply comes back on the live stream (live.js places it). A refused reply
 * (a field error, do-not-contact to confirm) is sent again as the plain form, which shows why.
 */
(function () {
  "use strict";
  var form = document.querySelector("#reply form[enctype]");
  if (!form || !document.getElementById("chat-panel")) return;
  var sending = false;
  form.addEventListener("submit", function (e) {
    if (form.dataset.plain) return;  // the fallback: the browser posts it
    e.preventDefault();
    if (sending) return;
    sending = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { form.dataset.plain = "1"; form.submit(); return; }
        form.reset();
      })
      .catch(function () { form.dataset.plain = "1"; form.submit(); })
      .finally(function () { sending = false; });
  });
})();
