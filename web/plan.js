// SPDX-License-Identifier: Apache-2.0
// Fills plan.html from `iuprobe plan --json`'s content, embedded as IUPROBE_PLAN: for each
// profile plan, demand per hour against the capacity each option provides, and the options.
"use strict";

(() => {
  const { fmt } = IuprobeCharts;
  const main = document.getElementById("plans");
  const colours = { "always-on": "#8a8f98", "scheduled": "#1f9d55", "auto-scaling": "#2b7bb9" };
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const money = x => "$" + fmt(x, 2);
  const utc = s => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ");

  function card(title) {
    const section = document.createElement("section");
    section.className = "card";
    const h = document.createElement("h2");
    h.textContent = title;
    section.appendChild(h);
    main.appendChild(section);
    return section;
  }
  function table(section, rows, head) {
    const t = document.createElement("table");
    if (head) {
      const tr = t.createTHead().insertRow();
      for (const c of head) { const th = document.createElement("th"); th.textContent = c; tr.appendChild(th); }
    }
    const body = t.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      r.forEach((c, i) => {
        const cell = i === 0 && !head ? document.createElement("th") : document.createElement("td");
        cell.textContent = c;
        tr.appendChild(cell);
      });
    }
    section.appendChild(t);
    return t;
  }
  function paragraph(section, text) {
    const p = document.createElement("p");
    p.textContent = text;
    section.appendChild(p);
  }

  // Demand (TPS) per hour against each option's IUs × TPS per IU, as steps.
  function profileChart(section, profile) {
    const el = document.createElement("div");
    el.className = "chart";
    el.id = "chart-profile";
    section.appendChild(el);
    const n = profile.tps_per_hour.length;
    const x = Array.from({ length: n + 1 }, (_, i) => i);
    const last = v => v.concat([v[v.length - 1]]);  // the last hour's step reaches its end
    const stepped = uPlot.paths.stepped({ align: 1 });
    const series = [{ label: n === 168 ? "hour of the week (UTC, Monday 00:00 first)" : "hour" },
      { label: "demand TPS", stroke: "#d9822b", width: 2, fill: "rgba(217,130,43,0.12)", paths: stepped }];
    const data = [x, last(profile.tps_per_hour)];
    for (const o of profile.options) {
      series.push({ label: `${o.name} capacity TPS`, stroke: colours[o.name] || "#111", width: 2,
                    dash: o.name === "always-on" ? [6, 4] : undefined, paths: stepped });
      data.push(last(o.iu_per_hour.map(iu => iu * profile.tps_per_iu)));
    }
    const width = Math.max(320, Math.min(el.clientWidth || 900, 1100));
    new uPlot({
      title: "Demand per hour against the capacity each option provides (IUs × TPS per IU)",
      width, height: 320, scales: { x: { time: false } },
      axes: [{ label: n === 168 ? "hour of the week" : "hour of the day",
               values: (u, ticks) => ticks.map(t => (n === 168 ? `${days[Math.floor(t / 24) % 7]} ${t % 24}` : `${t}`)),
               incrs: n === 168 ? [24] : [1, 2, 3, 6] },
             { label: "TPS" }],
      series,
    }, data, el);
  }

  function optionsTable(section, profile) {
    table(section, profile.options.map(o => [
      o.name + (o.name === profile.recommended ? "  (recommended)" : ""), fmt(o.iu_hours_per_day, 2),
      money(o.cost_per_day_usd), money(o.cost_per_month_usd), o.how + (o.caveat ? ` — ${o.caveat}` : "")]),
    ["option", "IU-hours a day", "per day", "per month (730 h)", "how"]);
  }

  for (const p of window.IUPROBE_PLAN.plans) {
    if (p.kind === "daily_profile" || p.kind === "weekly_profile") {
      const s = card(`${p.kind === "weekly_profile" ? "Weekly" : "Daily"} profile at ${fmt(p.tps_per_iu, 2)} TPS per IU`);
      profileChart(s, p);
      optionsTable(s, p);
    } else if (p.kind === "cloudwatch") {
      const s = card(`From CloudWatch: ${p.source.model} in ${p.source.region}`);
      const past = p.past;
      table(s, [
        ["history", `${fmt(past.days, 0)} days, ${utc(p.source.start)} to ${utc(p.source.end)} UTC, ${p.source.period_s}-second points`],
        ["request counts under", p.source.dimensions + (p.source.account_wide ? " (every DetectCustomLabels call of the account in the region)" : "")],
        ["read", `${fmt(p.source.points, 0)} points in ${p.source.calls} calls in ${fmt(p.source.read_s, 1)} s`],
        ["requests", `${fmt(past.requests, 0)}, ${fmt(past.throttled, 0)} throttled (${fmt(past.requests > 0 ? past.throttled / past.requests * 100 : 0, 2)}%)`],
        ["in service", past.iu_known ? `${fmt(past.iu_hours, 1)} IU-hours, at most ${fmt(past.peak_iu, 0)} IUs` : "unknown"],
        ["current cost", p.current_cost_per_day_usd != null ? `${money(p.current_cost_per_day_usd)} a day` : "unknown"],
        ["recommended", `${p.plan.recommended}` + (p.saving_per_day_usd != null
          ? `: ${p.saving_per_day_usd >= 0 ? "saves" : "costs"} ${money(Math.abs(p.saving_per_day_usd))} a day` : "")],
        ["profile", p.profile_why],
      ]);
      profileChart(s, p.plan);
      optionsTable(s, p.plan);
    } else if (p.kind === "rate") {
      const s = card(`${fmt(p.target_tps)} TPS at ${fmt(p.tps_per_iu, 2)} TPS per IU`);
      table(s, [["IUs", `${p.iu}`], ["capacity", `${fmt(p.capacity_tps)} TPS (${fmt(p.utilisation * 100, 0)}% used)`],
        ["cost", `${money(p.cost_per_hour_usd)} an hour, ${money(p.cost_per_day_usd)} a day, ${money(p.cost_per_month_usd)} a month`]]);
    } else if (p.kind === "batch") {
      const s = card(`${fmt(p.images, 0)} images within ${fmt(p.deadline_s / 3600, 2)} h`);
      table(s, p.alternatives.map(o => [`${o.iu}`, fmt(o.wall_s / 60, 1), fmt(o.billed_iu_hours, 2), money(o.cost_usd),
        o.meets_deadline ? "yes" : "no"]), ["IUs", "wall minutes", "IU-hours", "cost", "meets the deadline"]);
    } else if (p.kind === "throughput") {
      const s = card(`${p.iu} IUs for ${fmt(p.duration_s / 3600, 2)} h`);
      paragraph(s, `${fmt(p.images, 0)} images, ${fmt(p.billed_iu_hours, 2)} IU-hours billed`);
    }
  }
  document.body.dataset.ready = "true";
})();
