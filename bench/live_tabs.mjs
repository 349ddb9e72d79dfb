// SPDX-License-Identifier: Apache-2.0
// Opens N tabs of iuprobe's live page in headless chromium and keeps them open until the run
// ends; prints how many points each tab drew. Used by bench/live_dashboard.py.
//   node live_tabs.mjs URL N [CHROMIUM]
import { chromium } from "playwright-core";

const [url, n, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const pages = await Promise.all(Array.from({ length: Number(n) }, async () => {
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }));
  await Promise.all(pages.map(p => p.waitForFunction(() => ["finished", "stopped", "failed"].includes(document.body.dataset.state),
    null, { timeout: 300000, polling: 500 })));
  console.log(JSON.stringify(await Promise.all(pages.map(p => p.evaluate(() => Number(document.body.dataset.points))))));
} finally {
  await browser.close();
}
