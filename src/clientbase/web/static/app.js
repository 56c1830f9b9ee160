// clientbase pages: the CSRF header on HTMX requests, charts, select-all, Ctrl+K. No inline scripts anywhere
// (the Content-Security-Policy allows scripts from this site only), no eval (charts use vega-interpreter).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  function drawCharts(root) {
    if (!window.vegaEmbed) return;
    root.querySelectorAll("[data-vega-spec]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) return;
      el.setAttribute("data-drawn", "1");
      var source = document.getElementById(el.getAttribute("data-vega-spec"));
      // a chart swapped in by HTMX carries its spec in data-vega-json (HTMX drops <script> elements)
      var spec = JSON.parse(source ? source.textContent : el.getAttribute("data-vega-json"));
      window
        .vegaEmbed(el, spec, {
          actions: false,
          renderer: "svg",
          defaultStyle: false,
          tooltip: { disableDefaultStyle: true },
          ast: true,
          expr: window.vegaInterpreter.expressionInterpreter,
        })
        .catch(function (err) {
          el.textContent = "The chart could not be drawn: " + err;
        });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "k") {
      var search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    }
  });
  // "Save mapping": the link carries the columns chosen in the form it names (data-save-mapping="form id")
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-save-mapping]") : null;
    if (!link) return;
    var form = document.getElementById(link.getAttribute("data-save-mapping"));
    if (!form) return;
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && typeof value === "string") params.append(key, value);
    });
    link.setAttribute("href", link.getAttribute("href").split("?")[0] + "?" + params.toString());
  });
  // a button that asks before it submits (archive, deactivate): data-confirm="question"
  document.addEventListener("submit", function (event) {
    var ask = event.target.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) event.preventDefault();
  });
})();
