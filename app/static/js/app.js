// Sends the CSRF token with every htmx request (the page's meta tag holds it).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});
// Form partials come back with 409/422/429 when something must be fixed: swap them like a 200.
if (window.htmx) {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(409|422|429)", swap: true, error: false },
    { code: "[45]..", swap: false, error: true }
  ];
}
// Other non-2xx htmx answers carry an error fragment retargeted to #flash: let htmx swap it.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status >= 400 && event.detail.xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Weekly hours editor: "add interval" clones the day's last row (no inline scripts under the CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-interval]");
  if (!button) { return; }
  event.preventDefault();
  var rows = document.getElementById(button.getAttribute("data-add-interval"));
  var last = rows && rows.querySelector(".interval:last-of-type");
  if (!last) { return; }
  var copy = last.cloneNode(true);
  copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
  rows.appendChild(copy);
});
// Selects marked data-autosubmit reload their (GET) form when changed.
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-autosubmit]") && event.target.form) { event.target.form.requestSubmit(); }
});
// Plain forms whose button carries data-confirm ask first.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
});
