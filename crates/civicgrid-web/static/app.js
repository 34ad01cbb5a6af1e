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

// A file input with data-fills="<textarea id>" puts the chosen file's text into that
// textarea (a boundary uploaded as a .geojson file); the form's 预览 button then draws
// it. Without JavaScript the textarea is filled by pasting.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-fills]") || !input.files || !input.files[0]) {
    return;
  }
  var target = document.getElementById(input.getAttribute("data-fills"));
  if (!target || input.files[0].size > 1048576) {
    return;
  }
  input.files[0].text().then(function (text) {
    target.value = text;
    var form = input.form;
    var preview = form && form.querySelector("button[name=preview]");
    if (preview) {
      preview.click();
    }
  });
});
