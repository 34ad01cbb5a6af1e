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

// The public map over base tiles, when the operator configured a tile source: the
// page carries the grids and pins as JSON beside the server-drawn SVG, which stays in
// place when the map library is not loaded (or the page arrived through htmx).
function drawTileMaps(root) {
  if (!window.L) {
    return;
  }
  root.querySelectorAll(".tile-map[hidden]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-layers"));
    var layers;
    try {
      layers = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    el.hidden = false;
    var map = window.L.map(el, { scrollWheelZoom: false });
    var options = { attribution: el.getAttribute("data-attribution") || "", maxZoom: 18 };
    if (el.getAttribute("data-subdomains")) {
      options.subdomains = el.getAttribute("data-subdomains");
    }
    window.L.tileLayer(el.getAttribute("data-tiles"), options).addTo(map);
    var go = function (href) {
      return function () {
        if (href) {
          window.location.href = href;
        }
      };
    };
    var grids = window.L.geoJSON(
      layers.grids.map(function (g) {
        return { type: "Feature", geometry: g.geometry, properties: g };
      }),
      {
        style: function (f) {
          return { className: "tile-grid" + (f.properties.open ? " open" : "") };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name);
          layer.on("click", go(f.properties.href));
        },
      }
    );
    // The view first: vector layers are placed against it.
    var bounds = grids.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds);
    } else {
      map.setView([30.6, 114.3], 12);
    }
    grids.addTo(map);
    layers.pins.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lon], { radius: 8, className: "tile-pin pin-" + p.family })
        .bindTooltip(p.label)
        .on("click", go(p.href))
        .addTo(map);
    });
    var figure = el.parentNode.querySelector("figure.map");
    if (figure) {
      figure.hidden = true;
    }
  });
}
window.addEventListener("load", function () {
  drawTileMaps(document);
});
document.addEventListener("htmx:load", function (event) {
  drawTileMaps(event.target);
});
