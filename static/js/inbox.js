// The inbox's small behaviours (CSP: no inline script). Copy buttons put a reply on the clipboard
// for platforms where a person sends it.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-text]");
  if (!button) return;
  const text = button.getAttribute("data-copy-text");
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
});

function fallbackCopy(text, done) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.appendChild(area);
  area.select();
  try { if (document.execCommand("copy")) done(); } finally { area.remove(); }
}

// Saved replies: choosing one inserts its text (filled in by the server for this fan) at the
// cursor of the reply box; Alt+/ jumps to the picker. Without script, the picker's "Insert"
// button reloads the thread with the reply in the box.
const picker = document.querySelector("select[data-insert-into]");
if (picker) {
  const box = document.getElementById(picker.getAttribute("data-insert-into"));
  const insertButton = picker.form && picker.form.querySelector("[data-no-js-only]");
  if (insertButton) insertButton.hidden = true;
  picker.addEventListener("change", () => {
    const option = picker.selectedOptions[0];
    if (!option || !option.value || !box) return;
    const text = option.getAttribute("data-text");
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
    picker.value = "";
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "/" || event.code === "Slash")) {
      event.preventDefault();
      picker.focus();
    }
  });
}
