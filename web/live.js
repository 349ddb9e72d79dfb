// SPDX-License-Identifier: Apache-2.0
// The live page: listens to iuprobe's event stream (/events, Server-Sent Events, the history
// first), keeps the run's points and steps, and redraws at most a few times a second. Events:
//   hello   {command, target, started_at}          status {t_s, text}
//   window  one second of load (see live_window_json)
//   step    a probe step begins {index, phase, rate, duration_s, drain_rate, drain_s, t_s}
//   trial   a probe step's verdict (as result.json's trials)
//   search  a second search begins (--verify-scaling) {inference_units, first_answer}
//   done    {outcome, exit_code, answer?, plans?, summary?, generator?, warnings, documents}
"use strict";

(() => {
  const { fmt } = IuprobeCharts;
  const el = id => document.getElementById(id);
  const token = new URLSearchParams(location.search).get("token");
  const withToken = path => (token ? `${path}?token=${encodeURIComponent(token)}` : path);

  const live = { points: [], trials: [], step: null, hello: null, done: null, charts: {} };
  window.iuprobeLive = live;  // for tests and the curious

  function setState(state, label) {
    document.body.dataset.state = state;
    el("state").textContent = label || state;
    el("state").className = "state " + state;
    const ended = ["finished", "stopped", "failed"].includes(state);
    el("stop").disabled = ended;
    if (ended) el("stop").textContent = "Ended";
  }

  // ---- drawing, coalesced: a replayed history of hours arrives as thousands of events at once.
  let pending = false;
  function redraw() { if (!pending) { pending = true; setTimeout(draw, 50); } }

  function tile(label, value, unit) {
    const d = document.createElement("div");
    d.className = "tile";
    const v = document.createElement("div"); v.className = "value"; v.textContent = value;
    const l = document.createElement("div"); l.className = "label"; l.textContent = unit ? `${label} (${unit})` : label;
    d.append(v, l);
    return d;
  }

  function drawTiles() {
    const w = live.points[live.points.length - 1];
    const tiles = el("tiles");
    tiles.replaceChildren(
      tile("offered", w ? fmt(w.offered) : "–", "/s"), tile("sent", w ? fmt(w.sent) : "–", "/s"),
      tile("goodput", w ? fmt(w.goodput) : "–", "/s"), tile("throttled", w ? fmt(w.throttled) : "–", "/s"),
      tile("errors", w ? fmt(w.errors) : "–", "/s"), tile("p50", w ? fmt(w.p50) : "–", "ms"),
      tile("p95", w ? fmt(w.p95) : "–", "ms"), tile("p99", w ? fmt(w.p99) : "–", "ms"),
      tile("in flight", w ? fmt(w.in_flight, 0) : "–"), tile("connections", w ? fmt(w.connections, 0) : "–"));
  }

  function drawGenerator() {
    const w = live.points[live.points.length - 1];
    const rows = el("generator");
    rows.replaceChildren();
    const add = (k, v) => { const tr = rows.insertRow(); const th = document.createElement("th");
      th.textContent = k; tr.appendChild(th); tr.insertCell().textContent = v; };
    if (w) {
      add("sends that left late (last second)", `${fmt(w.late * 100)}%`);
      add("sends that waited for a connection", `${fmt(w.queued * 100)}%`);
      add("busiest worker thread", `${fmt(w.cpu * 100, 0)}% of a core`);
      add("sent / scheduled", `${fmt(w.sent)} / ${fmt(w.offered)} per s`);
    }
    const verdict = el("generator-verdict");
    const done = live.done;
    const limited = live.trials.filter(t => t.generator_limited);
    let text = "waiting for the first second of load", bad = false;
    if (done && done.generator) {
      bad = done.generator.bound;
      text = bad ? "the load generator was the limit: " + done.generator.reasons.join("; ")
                 : "the load generator kept up for the whole run";
    } else if (limited.length) {
      const t = limited[limited.length - 1];
      bad = true;
      text = `step ${t.index} was limited by the load generator: ${t.generator_reason}`;
    } else if (w) {
      bad = w.late > 0.2 || w.queued > 0.05 || w.cpu > 0.95;
      text = bad ? "falling behind this second (late sends, waiting for connections or a busy worker)"
                 : "keeping up: sends leave on schedule";
    }
    verdict.textContent = text;
    verdict.className = bad ? "bad" : "good";
  }

  function drawProbe() {
    if (!live.step && !live.trials.length) return;
    el("probe-card").classList.remove("hidden");
    el("chart-rate").classList.remove("hidden");
    const s = live.step;
    if (s && !live.done) {
      el("current-step").textContent = `now: step ${s.index}, ${s.phase}, ${fmt(s.rate)} TPS for ${fmt(s.duration_s)} s` +
        (s.drain_rate > 0 ? ` after a ${fmt(s.drain_s)} s drain at ${fmt(s.drain_rate)} TPS` : "");
    } else {
      el("current-step").textContent = "";
    }
    const last = live.trials[live.trials.length - 1];
    if (last) {
      const lower = last.lower, upper = last.upper;
      const scale = Math.max(upper > 0 ? upper * 1.25 : lower * 2, 1);
      el("bracket-known").style.width = `${(lower / scale) * 100}%`;
      el("bracket-open").style.width = upper > 0 ? `${((upper - lower) / scale) * 100}%` : "0";
      el("bracket-text").textContent = upper <= 0 ? `at least ${fmt(lower)} TPS; no refusal yet`
        : lower <= 0 ? `below ${fmt(upper)} TPS; looking lower`
        : `capacity is in [${fmt(lower)}, ${fmt(upper)}) TPS: ${fmt(((upper - lower) / lower) * 100)}% wide`;
    }
    const body = el("steps");
    while (body.rows.length < live.trials.length) body.appendChild(IuprobeCharts.stepRow(live.trials[body.rows.length]));
    if (!live.charts.rate) {
      live.charts.rate = IuprobeCharts.create("rate", el("chart-rate"), [], [
        IuprobeCharts.markerPlugin(() => answerRate(), () => (answerRate() == null ? "" : "answer " + fmt(answerRate()) + "/s")),
      ]);
    }
    IuprobeCharts.update(live.charts.rate, "rate", live.trials.map(IuprobeCharts.stepPoint));
  }
  const answerRate = () => (live.done && live.done.answer && live.done.answer.verdict === "found" ? live.done.answer.capacity_tps : null);

  function drawCharts() {
    const bands = IuprobeCharts.bandsPlugin(() => IuprobeCharts.unjudgedRanges(live.points));
    for (const [kind, id] of [["time", "chart-time"], ["latencyTime", "chart-time-latency"], ["concurrency", "chart-concurrency"]]) {
      if (!live.charts[kind]) live.charts[kind] = IuprobeCharts.create(kind, el(id), [], [bands]);
      IuprobeCharts.update(live.charts[kind], kind, live.points);
    }
  }

  function drawResult() {
    const d = live.done;
    if (!d) return;
    el("result-card").classList.remove("hidden");
    const a = d.answer;
    const outcome = { finished: "finished", stopped: "stopped: partial result", failed: "failed" }[d.outcome] || d.outcome;
    if (a) {
      el("headline").textContent = IuprobeCharts.headline(a);
      el("verdict").textContent = a.verdict;
      el("verdict").className = "verdict " + a.verdict;
      el("reason").textContent = (a.verdict === "found" && a.tps_per_iu != null ? `${fmt(a.tps_per_iu)} TPS per IU · ` : "") + a.reason +
        (a.saturated ? ` · ${IuprobeCharts.saturationText(a)}` : "");
    } else if (d.summary) {
      const r = d.summary.rates_per_s, l = d.summary.latency_ms;
      el("headline").textContent = `${fmt(r.goodput)} ok/s of ${fmt(r.offered)} offered`;
      el("verdict").textContent = outcome;
      el("verdict").className = "verdict " + (d.outcome === "finished" ? "found" : "unfinished");
      el("reason").textContent = l.count ? `p50 ${fmt(l.p50)} ms · p95 ${fmt(l.p95)} ms · p99 ${fmt(l.p99)} ms` : "no answers";
    } else {
      el("headline").textContent = outcome;
    }
    const warnings = el("warnings");
    warnings.replaceChildren(...(d.warnings || []).map(w => { const li = document.createElement("li"); li.textContent = w; return li; }));
    if (d.plans) { el("plans").textContent = d.plans; el("plans").classList.remove("hidden"); }
    const sc = d.scaling;
    if (sc) {
      el("scaling").textContent = sc.verdict === "found"
        ? `with ${sc.inference_units} IUs: ${fmt(sc.capacity_tps)} TPS = ${fmt(sc.capacity_tps / sc.inference_units)} per IU, ${fmt(sc.efficiency * 100)}% of linear`
        : `with ${sc.inference_units} IUs: no capacity found (${sc.verdict})`;
    }
  }

  // The final documents are fetched at once and kept as blobs: the links keep working after
  // iuprobe exits, which it does as soon as every open page has them.
  async function fetchDocuments(documents) {
    const p = el("documents");
    for (const doc of documents) {
      try {
        const response = await fetch(withToken(doc.url));
        if (!response.ok) throw new Error(response.status);
        const blob = await response.blob();
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.target = "_blank";
        a.rel = "noopener";
        if (!doc.name.endsWith(".html")) a.download = doc.name;
        a.textContent = doc.name;
        a.id = "document-" + doc.name.replace(/\W/g, "-");
        p.append(a, ` (${doc.path})  `);
      } catch (e) {
        p.append(`${doc.name}: ${doc.path}  `);
      }
    }
    document.body.dataset.documents = String(documents.length);
  }

  function draw() {
    pending = false;
    drawTiles();
    drawGenerator();
    drawProbe();
    drawCharts();
    drawResult();
    document.body.dataset.points = String(live.points.length);
    document.body.dataset.steps = String(live.trials.length);
  }

  function log(t, text) {
    const li = document.createElement("li");
    li.textContent = `${fmt(t)} s  ${text}`;
    el("log").appendChild(li);
  }

  // ---- events
  const source = new EventSource(withToken("/events"));
  const on = (type, f) => source.addEventListener(type, e => { f(JSON.parse(e.data)); redraw(); });
  on("hello", h => {
    live.hello = h;
    el("target").textContent = `${h.command}: ${h.target}`;
    document.title = `iuprobe ${h.command} · live`;
    if (!live.done) setState("running");
  });
  on("status", s => log(s.t_s, s.text));
  on("window", w => {
    // A page that reconnects inside a merged point of a long run's history (see EventLog) is
    // sent that point again: keep the chart's time moving forward.
    const last = live.points[live.points.length - 1];
    if (last && w.t_s < last.end - 1e-6) return;
    const p = IuprobeCharts.seriesPoint(w);
    Object.assign(p, { sent: w.sent_per_s, late: w.late_fraction, queued: w.queued_fraction, cpu: w.peak_worker_cpu,
                       end: w.t_s + (w.length_s || 1) });
    live.points.push(p);
    el("elapsed").textContent = `${fmt(w.t_s + (w.length_s || 1), 0)} s` + (w.unjudged ? ` · unjudged: ${w.phase || "warm-up"}` : "");
  });
  on("step", s => { live.step = s; });
  on("trial", t => { live.trials.push(t); });
  on("search", s => {
    // The steps table, bracket and rate curve follow the new search; the log keeps the first answer.
    log(live.points.length ? live.points[live.points.length - 1].t : 0,
        `first search: ${IuprobeCharts.headline(s.first_answer)}; now probing again with ${s.inference_units} IUs`);
    live.trials = [];
    live.step = null;
    el("steps").replaceChildren();
    el("probe-title").textContent = `Search with ${s.inference_units} IUs (--verify-scaling)`;
  });
  on("done", d => {
    live.done = d;
    source.close();
    setState(d.outcome, { finished: "finished", stopped: "stopped", failed: "failed" }[d.outcome]);
    fetchDocuments(d.documents || []);
  });
  source.onopen = () => { if (!live.done && live.hello) setState("running"); };
  source.onerror = () => { if (!live.done) setState("disconnected", "reconnecting…"); };

  el("stop").addEventListener("click", async () => {
    const again = document.body.dataset.state === "stopping";
    try {
      const response = await fetch(withToken("/api/stop"), { method: "POST" });
      if (!response.ok) throw new Error(await response.text());
      setState("stopping", "stopping…");
      el("stop").textContent = "Stop now";
      el("stop").title = "Skip the grace period for requests in flight";
      if (again) el("stop").disabled = true;
    } catch (e) {
      log(0, "Stop failed: " + e.message);
    }
  });
  draw();
})();
