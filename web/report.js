// SPDX-License-Identifier: Apache-2.0
// Fills report.html from the probe's result, embedded as IUPROBE_RESULT.
"use strict";

(() => {
  const r = window.IUPROBE_RESULT;
  const { fmt } = IuprobeCharts;
  const el = id => document.getElementById(id);
  const a = r.answer;
  el("headline").textContent = IuprobeCharts.headline(a);
  el("verdict").textContent = a.verdict;
  el("verdict").className = "verdict " + a.verdict;
  el("reason").textContent = a.reason;
  el("target").textContent = r.target;
  const facts = [
    ["per IU", a.tps_per_iu != null
      ? `${a.verdict === "found" ? "" : "at least "}${fmt(a.tps_per_iu)} TPS (${a.inference_units} IU)`
      : a.inference_units > 0 ? "– (no capacity to divide)" : "– (give --iu N)"],
    ["saturated goodput", IuprobeCharts.saturationText(a)],
    ["latency knee", a.knee_tps != null ? `${fmt(a.knee_tps)} TPS: p95 ${fmt(a.knee_p95_ms)} ms there, ` +
      `${fmt(a.base_p95_ms)} ms at the lowest rates; above it latency grows (a queue that delays)` : "–"],
    ["bracket", a.upper_tps > 0 ? `[${fmt(a.capacity_tps)}, ${fmt(a.upper_tps)}) TPS` : "–"],
    ["latency at the answer", a.latency_ms ? `p50 ${fmt(a.latency_ms.p50)} ms · p95 ${fmt(a.latency_ms.p95)} ms · p99 ${fmt(a.latency_ms.p99)} ms` : "–"],
    ["probe wall time", `${fmt(r.wall_s)} s over ${r.trials.length} steps`],
    ["IU-minutes billed by the probe", a.inference_units > 0 ? fmt(r.iu_minutes, 2) : "–"],
    ["tolerance", `${r.limits.arrivals === "poisson" ? "Poisson (random)" : "evenly spaced"} arrivals; ` +
      `${fmt(r.limits.max_error_rate * 100, 2)}% refused` +
      (r.limits.max_error_rate > 0 && r.limits.confidence ? ` at ${fmt(r.limits.confidence * 100, 0)}% confidence` : "") +
      (r.limits.slo_p95_ms ? `, p95 ≤ ${r.limits.slo_p95_ms} ms` : "") +
      (r.limits.slo_p99_ms ? `, p99 ≤ ${r.limits.slo_p99_ms} ms` : "")],
  ];
  if (r.ranks && r.ranks.length > 0) {
    facts.push(["load generators", `${r.ranks.length} MPI ranks: ` + r.ranks.map(k =>
      `rank ${k.rank} on ${k.host}, ${fmt(k.share * 100, 1)}% of sends, ` +
      (k.generator.bound ? "FELL BEHIND" : "kept up")).join(" · ")]);
  }
  for (const [k, v] of facts) {
    const tr = el("facts").insertRow();
    const th = document.createElement("th");
    th.textContent = k;
    tr.appendChild(th);
    tr.insertCell().textContent = v;
  }
  for (const w of r.warnings || []) {
    const li = document.createElement("li");
    li.textContent = w;
    el("warnings").appendChild(li);
  }

  const steps = r.trials.map(IuprobeCharts.stepPoint);
  const answer = a.verdict === "found" ? a.capacity_tps : null;
  const points = r.series.map(IuprobeCharts.seriesPoint);
  IuprobeCharts.rateCurve(el("chart-rate"), steps, answer);
  IuprobeCharts.latencyCurve(el("chart-latency"), steps, answer);
  IuprobeCharts.timeSeries(el("chart-time"), points);
  IuprobeCharts.latencySeries(el("chart-time-latency"), points);
  for (const t of r.trials) el("steps").appendChild(IuprobeCharts.stepRow(t));
  document.body.dataset.ready = "true";
})();
