// The public booking site: small enhancements over pages that work without JavaScript.
(function () {
  "use strict";

  // Keep the chosen day of the phone strip in sight (horizontal scroll only).
  function centerChosenDay(root) {
    var strip = (root || document).querySelector(".day-strip");
    var chosen = strip && strip.querySelector('[aria-current="date"]');
    if (!strip || !chosen || strip.scrollWidth <= strip.clientWidth) { return; }
    strip.scrollLeft = chosen.offsetLeft - strip.clientWidth / 2 + chosen.clientWidth / 2;
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.top >= 0 && r.top < (window.innerHeight || document.documentElement.clientHeight) * 0.6;
  }

  function reveal(el, focus) {
    if (!el) { return; }
    if (!inView(el)) {
      var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      el.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
    }
    if (focus) {
      var heading = el.matches("[tabindex]") ? el : el.querySelector("h2[tabindex], h3[tabindex]");
      if (heading) { heading.focus({ preventScroll: true }); }
    }
  }

  // After a step is swapped in place, bring the next step into view (on a phone it would
  // otherwise sit below the fold) and move the focus to its heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    centerChosenDay(document);
    if (target.id === "flow") {
      reveal(document.querySelector("#flow [data-current-step]"), true);
    } else if (target.id === "slot-picker") {
      // The clicked day keeps the focus (htmx restores it by id); show its times.
      reveal(document.getElementById("picker-day"), false);
    } else if (target.id === "verify-step") {
      var field = target.querySelector('[aria-invalid="true"], #code:not([disabled])');
      if (field) { field.focus(); }
    }
    startCountdowns(document);
    reportHeight();
  });

  // "Send a new code" waits for the cooldown: a countdown (mm:ss) and a disabled button,
  // enabled when the server will accept the request. Without JavaScript the page says when.
  function startCountdowns(root) {
    root.querySelectorAll("[data-resend-at]:not([data-counting])").forEach(function (note) {
      note.setAttribute("data-counting", "1");
      var form = note.closest("form");
      var button = form && form.querySelector("button[type=submit]");
      var out = note.querySelector("[data-countdown]");
      var end = Date.now() + 1000 * parseInt(note.getAttribute("data-wait") || "0", 10);
      if (button) { button.disabled = true; }
      function tick() {
        var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        if (out) { out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0"); }
        if (left <= 0) {
          if (button) { button.disabled = false; }
          note.hidden = true;
          return;
        }
        setTimeout(tick, 1000);
      }
      tick();
    });
  }

  // Inside the booking widget's iframe: tell the host page how tall the content is.
  var framed = window.parent && window.parent !== window;
  var lastHeight = 0;
  function reportHeight() {
    if (!framed) { return; }
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== lastHeight) {
      lastHeight = h;
      window.parent.postMessage({ type: "jazyl:height", height: h }, "*");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    centerChosenDay(document);
    startCountdowns(document);
    if (framed) {
      reportHeight();
      if (window.ResizeObserver) { new ResizeObserver(reportHeight).observe(document.body); }
      window.addEventListener("load", reportHeight);
    }
  });
})();
