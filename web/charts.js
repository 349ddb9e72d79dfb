// SPDX-License-Identifier: Apache-2.0
// iuprobe's page code shared by report.html and the live page: the charts (uPlot, bundled from
// npm), number formatting, the answer's headline and the step table's rows. Each chart kind takes
// data as the pages keep it (an array of steps or of per-second points) and shapes it for uPlot;
// the live page creates a chart once and feeds it with update().
"use strict";

const IuprobeCharts = (() => {
  const palette = { offered: "#8a8f98", goodput: "#1f9d55", throttled: "#d9822b", errors: "#c0392b",
                    p50: "#2b7bb9", p95: "#8e44ad", p99: "#c0392b", answer: "#111",
                    in_flight: "#2b7bb9", connections: "#8a8f98" };

  function width(el) { return Math.max(320, Math.min(el.clientWidth || 900, 1100)); }
  const valueOf = v => (typeof v === "function" ? v() : v);
  const byOffered = steps => steps.slice().sort((a, b) => a.offered - b.offered);
  const column = (rows, key) => rows.map(r => (r[key] == null ? null : r[key]));
  // Per-second points with a null point wherever time is missing (a probe's model restart), so
  // that lines break there instead of joining across. A point covers [t, t + length).
  function withGaps(points) {
    const out = [];
    for (const p of points) {
      const last = out[out.length - 1];
      const end = last ? last.t + (last.length || 1) : 0;
      if (last && p.t - end > 0.5) out.push({ t: end });
      out.push(p);
    }
    return out;
  }
  // [from, to] x ranges of unjudged seconds, for bandsPlugin.
  const unjudgedRanges = points => points.filter(p => p.unjudged).map(p => [p.t, p.t + (p.length || 1)]);

  // A vertical line at x = value (a number, or a function giving one), labelled.
  function markerPlugin(value, label) {
    return {
      hooks: {
        draw: u => {
          const v = valueOf(value);
          if (v == null) return;
          const x = u.valToPos(v, "x", true);
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
          ctx.fillText(valueOf(label) || "", x + 6, u.bbox.top + 14);
          ctx.restore();
        },
      },
    };
  }

  // Grey bands behind the series over x ranges [[from, to], …] (a function giving them).
  function bandsPlugin(ranges) {
    return {
      hooks: {
        drawClear: u => {
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = "rgba(138, 143, 152, 0.13)";
          for (const [from, to] of valueOf(ranges)) {
            const x0 = u.valToPos(from, "x", true), x1 = u.valToPos(to, "x", true);
            ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
          }
          ctx.restore();
        },
      },
    };
  }

  const kinds = {
    // Goodput, throttled and errors per second against the offered rate, one point per step.
    rate: {
      title: "Goodput and refusals against offered rate", x: "offered req/s", y: "req/s",
      series: [["goodput/s", "goodput"], ["throttled/s", "throttled"], ["errors/s", "errors"]],
      points: true,
      data: steps => { const s = byOffered(steps);
        return [column(s, "offered"), column(s, "goodput"), column(s, "throttled"), column(s, "errors")]; },
    },
    // Latency percentiles (ms, from the scheduled send) against the offered rate.
    latencyRate: {
      title: "Latency against offered rate (from scheduled send)", x: "offered req/s", y: "ms",
      series: [["p50", "p50"], ["p95", "p95"], ["p99", "p99"]], points: true,
      data: steps => { const s = byOffered(steps.filter(x => x.p50 != null));
        return [column(s, "offered"), column(s, "p50"), column(s, "p95"), column(s, "p99")]; },
    },
    // Offered, goodput, throttled and errors per second over time.
    time: {
      title: "Over time", x: "seconds since start", y: "req/s",
      series: [["offered/s", "offered"], ["goodput/s", "goodput"], ["throttled/s", "throttled"],
               ["errors/s", "errors"]],
      data: points => { const p = withGaps(points);
        return [column(p, "t"), column(p, "offered"), column(p, "goodput"), column(p, "throttled"),
                column(p, "errors")]; },
    },
    latencyTime: {
      title: "Latency over time (from scheduled send)", x: "seconds since start", y: "ms",
      series: [["p50", "p50"], ["p95", "p95"], ["p99", "p99"]],
      data: points => { const p = withGaps(points);
        return [column(p, "t"), column(p, "p50"), column(p, "p95"), column(p, "p99")]; },
    },
    // Requests in flight and open connections at the end of each second.
    concurrency: {
      title: "In flight and connections", x: "seconds since start", y: "count",
      series: [["in flight", "in_flight"], ["connections", "connections"]],
      data: points => { const p = withGaps(points);
        return [column(p, "t"), column(p, "in_flight"), column(p, "connections")]; },
    },
  };

  function create(kind, el, input, plugins) {
    const k = kinds[kind];
    const opts = {
      title: k.title, width: width(el), height: 280, plugins: plugins || [],
      scales: { x: { time: false } },
      axes: [{ label: k.x }, { label: k.y }],
      series: [{ label: k.x }].concat(k.series.map(([label, key]) => ({
        label, stroke: palette[key], width: 2, points: { show: !!k.points, size: 6 },
      }))),
    };
    el.innerHTML = "";
    const u = new uPlot(opts, k.data(input), el);
    resized.push([u, el]);
    return u;
  }
  // Charts follow the window's width (once the resizing pauses).
  const resized = [];
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const [u, el] of resized) u.setSize({ width: width(el), height: u.height });
    }, 150);
  });
  function update(u, kind, input) { u.setData(kinds[kind].data(input)); }

  const answerLabel = a => (a == null ? "" : "answer " + a.toFixed(1) + "/s");
  const rateCurve = (el, steps, answer) => create("rate", el, steps, [markerPlugin(answer, answerLabel(answer))]);
  const latencyCurve = (el, steps, answer) => create("latencyRate", el, steps, [markerPlugin(answer, "")]);
  const timeSeries = (el, points) => create("time", el, points, [bandsPlugin(unjudgedRanges(points))]);
  const latencySeries = (el, points) => create("latencyTime", el, points, [bandsPlugin(unjudgedRanges(points))]);

  // Numbers as the terminal prints them: grouped, fixed digits, "–" for none.
  const fmt = (x, digits = 1) => (x == null || Number.isNaN(x) ? "–" :
    Number(x).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

  // The probe's answer in one line.
  function headline(a) {
    return {
      "found": `${fmt(a.capacity_tps)} TPS sustained`,
      "generator-limited": `at least ${fmt(a.capacity_tps)} TPS — the load generator was the limit`,
      "no-limit-found": a.knee_tps != null ? `no limit found — latency runs away above ${fmt(a.knee_tps)} TPS`
        : `no limit found up to ${fmt(a.capacity_tps)} TPS`,
      "never-passed": `refused even at ${fmt(a.upper_tps, 2)} TPS`,
      "unfinished": "not determined",
    }[a.verdict] || a.verdict;
  }

  // The second figure: what the endpoint served when over-driven, and why it differs, if it does.
  function saturationText(a) {
    const s = a.saturated;
    if (!s) return "–";
    const served = `${fmt(s.goodput_tps)} TPS served when over-driven at ${fmt(s.offered_tps)}/s ` +
      `(${fmt(s.low_tps)}–${fmt(s.high_tps)} per second)`;
    return a.saturation_note ? `${served}: ${a.saturation_note}` : served;
  }

  // A probe step as result.json has it, shaped for the charts.
  function stepPoint(t) {
    const l = t.latency_ms;
    return { offered: t.offered_per_s, goodput: t.goodput_per_s, throttled: t.throttled_per_s,
             errors: t.errors_per_s, p50: l.count ? l.p50 : null, p95: l.count ? l.p95 : null,
             p99: l.count ? l.p99 : null };
  }
  // A per-second point as result.json and the event stream have it, shaped for the charts.
  function seriesPoint(w) {
    return { t: w.t_s, length: w.length_s, offered: w.offered_per_s, goodput: w.goodput_per_s, throttled: w.throttled_per_s,
             errors: w.errors_per_s, p50: w.p50_ms, p95: w.p95_ms, p99: w.p99_ms,
             in_flight: w.in_flight, connections: w.connections, unjudged: !!w.unjudged };
  }

  // The step table's row for one trial (numbers only; nothing from the page's input is markup).
  function stepRow(t) {
    const l = t.latency_ms;
    const cells = [t.index, t.phase, fmt(t.offered_per_s), fmt(t.goodput_per_s), fmt(t.throttled_per_s),
      fmt(t.errors_per_s), l.count ? fmt(l.p50) : "–", l.count ? fmt(l.p95) : "–", l.count ? fmt(l.p99) : "–",
      (t.set_aside ? "repeated" : t.generator_limited ? "generator-limited" : t.passed ? "pass" : "fail") +
        (t.answered != null ? ` (${fmt(t.refused, 0)} of ${fmt(t.answered, 0)} refused)` : ""),
      `[${fmt(t.lower)}, ${t.upper > 0 ? fmt(t.upper) : "?"})`];
    const tr = document.createElement("tr");
    tr.className = t.passed ? "pass" : "fail";
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); }
    return tr;
  }

  return { create, update, markerPlugin, bandsPlugin, unjudgedRanges, rateCurve, latencyCurve, timeSeries, latencySeries,
           fmt, headline, saturationText, stepPoint, seriesPoint, stepRow };
})();
