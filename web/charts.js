// SPDX-License-Identifier: Apache-2.0
// iuprobe's charts, shared by report.html and the live page. Needs uPlot (bundled from npm).
// Each function takes a container and data already shaped as uPlot wants it: [xs, ys1, ys2, …].
"use strict";

const IuprobeCharts = (() => {
  const palette = { offered: "#8a8f98", goodput: "#1f9d55", throttled: "#d9822b", errors: "#c0392b",
                    p50: "#2b7bb9", p95: "#8e44ad", p99: "#c0392b", answer: "#111" };

  function width(el) { return Math.max(320, Math.min(el.clientWidth || 900, 1100)); }

  // A vertical line at x = value, labelled, drawn after the series.
  function markerPlugin(value, label) {
    return {
      hooks: {
        draw: u => {
          if (value == null) return;
          const x = u.valToPos(value, "x", true);
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = palette.answer;
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillStyle = palette.answer;
          ctx.font = "bold 12px sans-serif";
          ctx.fillText(label, x + 6, u.bbox.top + 14);
          ctx.restore();
        },
      },
    };
  }

  function chart(el, title, xLabel, yLabel, series, data, plugins) {
    const opts = {
      title, width: width(el), height: 300, plugins: plugins || [],
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }].concat(series.map(s => ({
        label: s.label, stroke: palette[s.key], width: 2,
        points: { show: s.points !== false, size: 6 }, paths: s.paths,
      }))),
    };
    el.innerHTML = "";
    return new uPlot(opts, data, el);
  }

  // Goodput, throttled and errors per second against the offered rate, one point per step.
  function rateCurve(el, steps, answer) {
    const sorted = steps.slice().sort((a, b) => a.offered - b.offered);
    return chart(el, "Goodput and refusals against offered rate", "offered req/s", "req/s",
      [{ label: "goodput/s", key: "goodput" }, { label: "throttled/s", key: "throttled" },
       { label: "errors/s", key: "errors" }],
      [sorted.map(s => s.offered), sorted.map(s => s.goodput), sorted.map(s => s.throttled),
       sorted.map(s => s.errors)],
      [markerPlugin(answer, answer == null ? "" : "answer " + answer.toFixed(1) + "/s")]);
  }

  // Latency percentiles (ms, from the scheduled send) against the offered rate.
  function latencyCurve(el, steps, answer) {
    const sorted = steps.filter(s => s.p50 != null).sort((a, b) => a.offered - b.offered);
    return chart(el, "Latency against offered rate (from scheduled send)", "offered req/s", "ms",
      [{ label: "p50", key: "p50" }, { label: "p95", key: "p95" }, { label: "p99", key: "p99" }],
      [sorted.map(s => s.offered), sorted.map(s => s.p50), sorted.map(s => s.p95),
       sorted.map(s => s.p99)],
      [markerPlugin(answer, "")]);
  }

  // Offered, goodput and throttled per second over the run's time.
  function timeSeries(el, points) {
    return chart(el, "Over time", "seconds since start", "req/s",
      [{ label: "offered/s", key: "offered", points: false },
       { label: "goodput/s", key: "goodput", points: false },
       { label: "throttled/s", key: "throttled", points: false },
       { label: "errors/s", key: "errors", points: false }],
      [points.map(p => p.t), points.map(p => p.offered), points.map(p => p.goodput),
       points.map(p => p.throttled), points.map(p => p.errors)]);
  }

  function latencySeries(el, points) {
    return chart(el, "Latency over time (from scheduled send)", "seconds since start", "ms",
      [{ label: "p50", key: "p50", points: false }, { label: "p95", key: "p95", points: false },
       { label: "p99", key: "p99", points: false }],
      [points.map(p => p.t), points.map(p => p.p50), points.map(p => p.p95), points.map(p => p.p99)]);
  }

  return { rateCurve, latencyCurve, timeSeries, latencySeries };
})();
