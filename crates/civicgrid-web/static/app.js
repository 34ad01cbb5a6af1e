// Small enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Live work queues: an element with data-live="<event stream URL>" is told
// "live-refresh" whenever the server says requests changed (server-sent events);
// htmx then reloads the list inside it. Without EventSource the list still
// refreshes every minute, and without JavaScript the page is simply reloaded.
(function () {
  if (!window.EventSource) {
    return;
  }
  function connect(el) {
    if (el.cgLive) {
      return;
    }
    var source = new EventSource(el.getAttribute("data-live"));
    el.cgLive = source;
    source.addEventListener("changed", function () {
      var list = el.querySelector("[hx-trigger]");
      if (list && window.htmx) {
        window.htmx.trigger(list, "live-refresh");
      }
    });
  }
  function scan() {
    document.querySelectorAll("[data-live]").forEach(connect);
  }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:load", scan);
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var el = event.target;
    if (el && el.cgLive) {
      el.cgLive.close();
      el.cgLive = null;
    }
  });
  scan();
})();
