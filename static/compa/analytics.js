/* Draws the Analytics page's charts with the vendored Chart.js from the json_script payload
   (#analytics-charts): {key: {labels, datasets: [{label, data, type?, axis?}], horizontal}}, each
   into <canvas id="chart-KEY">. Every label is translated on the server; the numbers are also in
   the table beside each chart, so a page without scripts loses nothing but the pictures. */
(function () {
  "use strict";
  var COLOURS = ["#0f766e", "#c2410c", "#1d4ed8", "#7c3aed", "#a16207", "#5f6b7a", "#b42318"];

  function series(set, index, many) {
    var colour = COLOURS[index % COLOURS.length];
    var drawn = { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour };
    if (set.type) drawn.type = set.type;
    if (set.axis) drawn.yAxisID = set.axis;
    if (set.type === "line") {
      drawn.backgroundColor = colour;
      drawn.borderWidth = 2;
      drawn.pointRadius = 2;
      drawn.tension = 0.2;
    }
    if (!many) drawn.backgroundColor = set.data.map(function (_, i) { return COLOURS[i % COLOURS.length]; });
    return drawn;
  }

  function draw(canvas, spec) {
    var many = spec.datasets.length > 1;
    var count = { beginAtZero: true, suggestedMax: 1, ticks: { precision: 0 } };
    var scales = spec.horizontal ? { x: count, y: {} } : { x: {}, y: count };
    if (spec.datasets.some(function (set) { return set.axis === "people"; })) {
      scales.people = { position: "right", beginAtZero: true, suggestedMax: 1, ticks: { precision: 0 }, grid: { drawOnChartArea: false } };
    }
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: spec.datasets.map(function (set, i) { return series(set, i, many); }) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 400 },
        scales: scales,
        plugins: { legend: { display: many } },
      },
    });
  }

  function start() {
    var source = document.getElementById("analytics-charts");
    if (!source || !window.Chart) return;
    var charts = JSON.parse(source.textContent);
    Object.keys(charts).forEach(function (key) {
      var canvas = document.getElementById("chart-" + key);
      if (canvas && !canvas.dataset.drawn) {
        canvas.dataset.drawn = "1";
        draw(canvas, charts[key]);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
