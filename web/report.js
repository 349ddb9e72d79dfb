// SPDX-License-Identifier: Apache-2.0
// Fills report.html from the probe's result, embedded as IUPROBE_RESULT.
"use strict";

(() => {
  const r = window.IUPROBE_RESULT;
  const fmt = (x, digits = 1) => (x == null || Number.isNaN(x) ? "–" :
    Number(x).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const el = id => document.getElementById(id);
  const a = r.answer;
  const headline = {
    "found": `${fmt(a.capacity_tps)} TPS sustained`,
    "generator-limited": `at least ${fmt(a.capacity_tps)} TPS — the load generator was the limit`,
    "no-limit-found": `no limit found up to ${fmt(a.capacity_tps)} TPS`,
    "never-passed": `refused even at ${fmt(a.upper_tps, 2)} TPS`,
    "unfinished": "not determined",
  }[a.verdict] || a.verdict;
  el("headline").textContent = headline;
  el("verdict").textContent = a.verdict;
  el("verdict").className = "verdict " + a.verdict;
  el("reason").textContent = a.reason;
  el("target").textContent = r.target;
  const facts = [
    ["per IU", a.tps_per_iu != null ? `${fmt(a.tps_per_iu)} TPS (${a.inference_units} IU)` : "– (give --iu N)"],
    ["bracket", a.upper_tps > 0 ? `[${fmt(a.capacity_tps)}, ${fmt(a.upper_tps)}) TPS` : "–"],
    ["latency at the answer", a.latency_ms ? `p50 ${fmt(a.latency_ms.p50)} ms · p95 ${fmt(a.latency_ms.p95)} ms · p99 ${fmt(a.latency_ms.p99)} ms` : "–"],
    ["probe wall time", `${fmt(r.wall_s)} s over ${r.trials.length} steps`],
    ["IU-minutes billed by the probe", a.inference_units > 0 ? fmt(r.iu_minutes, 2) : "–"],
    ["tolerance", `${fmt(r.limits.max_error_rate * 100)}% refused` +
      (r.limits.slo_p95_ms ? `, p95 ≤ ${r.limits.slo_p95_ms} ms` : "") +
      (r.limits.slo_p99_ms ? `, p99 ≤ ${r.limits.slo_p99_ms} ms` : "")],
  ];
  el("facts").innerHTML = facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("");
  for (const w of r.warnings || []) {
    const li = document.createElement("li");
    li.textContent = w;
    el("warnings").appendChild(li);
  }

  const steps = r.trials.map(t => ({
    offered: t.offered_per_s, goodput: t.goodput_per_s, throttled: t.throttled_per_s,
    errors: t.errors_per_s, p50: t.latency_ms.count ? t.latency_ms.p50 : null,
    p95: t.latency_ms.count ? t.latency_ms.p95 : null, p99: t.latency_ms.count ? t.latency_ms.p99 : null,
  }));
  const answer = a.verdict === "found" ? a.capacity_tps : null;
  const points = r.series.map(w => ({ t: w.t_s, offered: w.offered_per_s, goodput: w.goodput_per_s,
    throttled: w.throttled_per_s, errors: w.errors_per_s, p50: w.p50_ms, p95: w.p95_ms, p99: w.p99_ms }));
  IuprobeCharts.rateCurve(el("chart-rate"), steps, answer);
  IuprobeCharts.latencyCurve(el("chart-latency"), steps, answer);
  IuprobeCharts.timeSeries(el("chart-time"), points);
  IuprobeCharts.latencySeries(el("chart-time-latency"), points);

  el("steps").innerHTML = r.trials.map(t => `<tr class="${t.passed ? "pass" : "fail"}">
    <td>${t.index}</td><td>${t.phase}</td><td>${fmt(t.offered_per_s)}</td><td>${fmt(t.goodput_per_s)}</td>
    <td>${fmt(t.throttled_per_s)}</td><td>${fmt(t.errors_per_s)}</td>
    <td>${t.latency_ms.count ? fmt(t.latency_ms.p50) : "–"}</td><td>${t.latency_ms.count ? fmt(t.latency_ms.p95) : "–"}</td>
    <td>${t.latency_ms.count ? fmt(t.latency_ms.p99) : "–"}</td>
    <td>${t.generator_limited ? "generator-limited" : t.passed ? "pass" : "fail"}</td>
    <td>[${fmt(t.lower)}, ${t.upper > 0 ? fmt(t.upper) : "?"})</td></tr>`).join("");
  document.body.dataset.ready = "true";
})();
