// SPDX-License-Identifier: Apache-2.0
// Drives the live page of a running `iuprobe demo --web` in headless chromium, as a person
// would: open it, watch the charts fill, open a second tab mid-run (it must get the history),
// press Stop, and wait for the final result and its links. Prints one JSON object of what it
// saw; tests/integration/test_live.py judges it. Exits non-zero when a step times out.
//   node live_page.mjs URL SCREENSHOT_DIR [CHROMIUM]
import { chromium } from "playwright-core";

const [url, shots, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const seen = { console_errors: [], page_errors: [] };
const browser = await chromium.launch({
  executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on("console", m => { if (m.type() === "error") seen.console_errors.push(m.text()); });
  page.on("pageerror", e => seen.page_errors.push(e.message));
  await page.goto(url);
  const data = () => page.evaluate(() => ({ ...document.body.dataset,
    charts: document.querySelectorAll(".uplot").length,
    time_points: window.iuprobeLive.charts.time ? window.iuprobeLive.charts.time.data[0].length : 0 }));

  // The charts receive points over time.
  await page.waitForFunction(() => Number(document.body.dataset.points) >= 3, null, { timeout: 60000 });
  seen.first = await data();
  await page.waitForFunction(n => Number(document.body.dataset.points) >= n + 3, Number(seen.first.points),
    { timeout: 30000 });
  await page.waitForFunction(() => Number(document.body.dataset.steps) >= 2, null, { timeout: 60000 });
  seen.later = await data();
  seen.tiles = await page.locator("#tiles .tile").count();
  seen.generator = await page.locator("#generator-verdict").textContent();
  seen.step_rows = await page.locator("#steps tr").count();
  seen.bracket = await page.locator("#bracket-text").textContent();

  // A tab opened mid-run gets the history so far at once.
  const second = await context.newPage();
  await second.goto(url);
  await second.waitForFunction(() => Number(document.body.dataset.points) > 0, null, { timeout: 10000 });
  seen.second_tab = await second.evaluate(() => ({ ...document.body.dataset }));
  seen.first_tab_then = await data();
  await second.close();
  // Open connections, one per second so far: the probe's pool stays up from step to step.
  seen.connections = await page.evaluate(() => window.iuprobeLive.points.map(p => p.connections));
  await page.screenshot({ path: `${shots}/live-running.png`, fullPage: true });

  // Stop ends the run as Ctrl-C does; the page then shows the partial result and its links.
  await page.click("#stop");
  await page.waitForFunction(() => document.body.dataset.state === "stopping" ||
    document.body.dataset.state === "stopped", null, { timeout: 10000 });
  await page.waitForFunction(() => document.body.dataset.state === "stopped", null, { timeout: 60000 });
  await page.waitForFunction(() => document.body.dataset.documents !== undefined, null, { timeout: 10000 });
  seen.final = await data();
  seen.headline = await page.locator("#headline").textContent();
  seen.links = await page.locator("#documents a").evaluateAll(as => as.map(a => ({
    text: a.textContent, href: a.href })));
  // The report link works from the page's memory, even after iuprobe has exited.
  const [report] = await Promise.all([context.waitForEvent("page"), page.click("#documents a >> nth=0")]);
  await report.waitForLoadState();
  seen.report_title = await report.title();
  seen.report_charts = await report.locator(".uplot").count();
  await report.close();
  seen.stop_disabled = await page.locator("#stop").isDisabled();
  await page.screenshot({ path: `${shots}/live-stopped.png`, fullPage: true });
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
