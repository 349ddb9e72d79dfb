// SPDX-License-Identifier: Apache-2.0
// Opens N tabs of a live page in headless chromium and keeps them open: iuprobe's until the run
// ends (then prints how many points each tab drew), or any page (Locust's) for SECONDS.
// Used by bench/live_dashboard.py.
//   node live_tabs.mjs URL N CHROMIUM [SECONDS]
import { chromium } from "playwright-core";

const [url, n, executablePath = "/usr/bin/chromium", seconds] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const pages = await Promise.all(Array.from({ length: Number(n) }, async () => {
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }));
  if (seconds) {
    await new Promise(resolve => setTimeout(resolve, Number(seconds) * 1000));
    console.log(JSON.stringify(pages.map(() => null)));
  } else {
    await Promise.all(pages.map(p => p.waitForFunction(() => ["finished", "stopped", "failed"].includes(document.body.dataset.state),
      null, { timeout: 300000, polling: 500 })));
    console.log(JSON.stringify(await Promise.all(pages.map(p => p.evaluate(() => Number(document.body.dataset.points))))));
  }
} finally {
  await browser.close();
}
