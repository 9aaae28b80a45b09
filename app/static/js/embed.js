/*
 * Jazyl booking widget. Paste where the booking should appear on your site:
 *
 *   <script src="https://YOUR-SUBDOMAIN.jazyl.tech/static/js/embed.js" async></script>
 *
 * Optional attributes on the <script> tag:
 *   data-service-id, data-location-id, data-master-id  open the flow at that choice
 *   data-lang="ru|kk|en"                               the widget's language
 *   data-title="..."                                   the iframe's accessible title
 *   data-min-height="640"                              height (px) before the page reports its own
 *
 * The script puts an iframe of https://YOUR-SUBDOMAIN.jazyl.tech/embed right after itself
 * and resizes it to the height the page reports with postMessage, so there is no inner
 * scroll bar. Choosing a time opens the confirmation on the business's booking site in a
 * new tab (phone verification needs that site's own cookies).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var origin = new URL(script.src).origin;
  var url = new URL("/embed", origin);
  var params = { "service-id": "service_id", "location-id": "location_id", "master-id": "master_id", "lang": "lang" };
  Object.keys(params).forEach(function (attr) {
    var value = script.getAttribute("data-" + attr);
    if (value) { url.searchParams.set(params[attr], value); }
  });
  var frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = script.getAttribute("data-title") || "Online booking";
  frame.loading = "lazy";
  frame.setAttribute("scrolling", "no");
  frame.style.cssText = "display:block;width:100%;max-width:720px;border:0;overflow:hidden;";
  frame.style.height = (parseInt(script.getAttribute("data-min-height"), 10) || 640) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (data && data.type === "jazyl:height" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(Math.ceil(data.height), 20000) + "px";
    }
  });
})();
