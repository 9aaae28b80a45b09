// Staff calendar: the booking panel opens in a <dialog> once htmx has filled it.
document.addEventListener("htmx:afterSwap", function (event) {
  if (!event.detail.target || event.detail.target.id !== "panel-body") { return; }
  var dialog = document.getElementById("booking-panel");
  if (dialog && !dialog.open && dialog.showModal) { dialog.showModal(); }
});
// A click on the dialog's backdrop closes it.
document.addEventListener("click", function (event) {
  if (event.target.id === "booking-panel" && event.target.open) { event.target.close(); }
});
// A destructive button (data-confirm) that was confirmed in the browser tells the server so:
// without JavaScript the server asks on a page of its own instead (app.js asks first).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (event.defaultPrevented || !button || !button.dataset.confirm) { return; }
  var form = event.target;
  if (!form.querySelector('input[name="confirmed"]')) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "confirmed";
    input.value = "1";
    form.appendChild(input);
  }
});
// The now-line moves with the clock: it is reloaded with the grid every five minutes.
(function () {
  var grid = document.getElementById("day-bookings");
  if (!grid || !window.htmx || !grid.querySelector(".cal-now")) { return; }
  setInterval(function () {
    var dialog = document.getElementById("booking-panel");
    var current = document.getElementById("day-bookings");
    if (!current || (dialog && dialog.open) || document.hidden) { return; }
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#day-bookings", swap: "outerHTML" });
  }, 300000);
})();
// Drag a booking onto a working cell: the "Move" page opens with that day, time and master
// ticked, and one click there moves it (the server checks the time is free).
document.addEventListener("dragstart", function (event) {
  var block = event.target.closest && event.target.closest(".cal-booking[data-move]");
  if (!block) { return; }
  event.dataTransfer.setData("text/plain", block.getAttribute("data-move"));
  event.dataTransfer.effectAllowed = "move";
  document.body.classList.add("cal-dragging");
});
document.addEventListener("dragend", function () { document.body.classList.remove("cal-dragging"); });
document.addEventListener("dragover", function (event) {
  if (event.target.closest && event.target.closest(".cal-col .cal-cell.work")) { event.preventDefault(); }
});
document.addEventListener("drop", function (event) {
  var cell = event.target.closest && event.target.closest(".cal-col .cal-cell.work");
  var target = event.dataTransfer && event.dataTransfer.getData("text/plain");
  if (!cell || !target || target.charAt(0) !== "/") { return; }
  event.preventDefault();
  var column = cell.closest(".cal-col");
  var url = new URL(target, window.location.href);
  url.searchParams.set("date", column.getAttribute("data-day"));
  url.searchParams.set("time", cell.getAttribute("data-time"));
  if (column.getAttribute("data-master")) { url.searchParams.set("master_id", column.getAttribute("data-master")); }
  url.searchParams.set("next", window.location.pathname + window.location.search);
  window.location.href = url.pathname + url.search;
});
