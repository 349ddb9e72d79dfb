#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whether watching a run slows it down: `iuprobe run` at a high open-loop rate against nginx, with
and without the live page (--web) and its viewers, in the same session.

Cases (medians of --repeat runs of --duration each, at --rate/s against nginx answering "ok"):
  1. no --web (the baseline);
  2. --web, nobody watching;
  3. --web and 10 event-stream readers (what 10 open tabs cost iuprobe: each tab is one stream);
  4. --web and 10 real tabs of headless chromium drawing the page (the browser shares this
     machine's 2 cores here; on a laptop it would not).
Target (issue 6): ten open tabs do not slow the run down: sent/s, late sends and service latency stay
within noise of the baseline. iuprobe's own CPU time is printed too.
Needs a release build, nginx and the browser tests' node_modules (scripts/setup.sh; a dev build).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402

IUPROBE = os.environ.get("IUPROBE_BIN", str(ROOT / "build" / "release" / "src" / "app" / "iuprobe"))
BROWSER_DIR = Path(os.environ.get("IUPROBE_BROWSER_DIR", ROOT / "build" / "dev" / "browser-tests"))


def stream_readers(url: str, count: int, stop: threading.Event, received: list):
    """`count` threads that each hold /events open and read everything, like open tabs."""
    def read():
        connection, response = harness.connect(url, "/events")
        n = 0
        while not stop.is_set():
            chunk = response.read1(65536)
            if not chunk:
                break
            n += len(chunk)
        connection.close()
        received.append(n)

    threads = [threading.Thread(target=read, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    return threads


def one_run(url: str, rate: int, duration: str, warmup: str, viewers: str):
    with tempfile.TemporaryDirectory() as out:
        # The warm-up (same rate, not measured) gives viewers time to connect before measuring.
        args = [IUPROBE, "run", "--url", url, "--rate", str(rate), "--duration", duration,
                "--warmup", warmup, "--quiet", "--out", out]
        if viewers != "none":
            args += ["--web", "127.0.0.1:0"]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        received, stop, extra = [], threading.Event(), []
        browser = None
        if viewers != "none":
            line = process.stdout.readline()
            dashboard = re.search(r"(http://\S+)", line).group(1)
            if viewers == "10 streams":
                extra = stream_readers(dashboard, 10, stop, received)
            elif viewers == "10 chromium tabs":
                browser = subprocess.Popen(["node", str(BROWSER_DIR / "live_tabs.mjs"), dashboard, "10",
                                            shutil.which("chromium") or "/usr/bin/chromium"],
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = process.communicate()
        stop.set()
        for t in extra:
            t.join(timeout=10)
        tabs = None
        if browser:
            tab_out, tab_err = browser.communicate(timeout=120)
            tabs = json.loads(tab_out.strip().splitlines()[-1]) if browser.returncode == 0 else tab_err[-500:]
        result_file = Path(out) / "result.json"
        if not result_file.exists():
            raise RuntimeError(f"iuprobe failed: {stdout[-2000:]}{stderr[-2000:]}")
        result = json.loads(result_file.read_text())
    s = result["summary"]
    return {"sent_per_s": s["rates_per_s"]["sent"], "late_pct": 100 * result["generator"]["late_fraction"],
            "p50_ms": s["service_latency_ms"].get("p50", 0), "p99_ms": s["service_latency_ms"].get("p99", 0),
            "cpu_s": usage.ru_utime + usage.ru_stime, "bound": result["generator"]["bound"],
            "stream_kb": sum(received) / 1024 / max(1, len(received)) if received else None, "tabs": tabs}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=4000)
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--warmup", default="20s")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shutil.copy(ROOT / "bench" / "live_tabs.mjs", BROWSER_DIR / "live_tabs.mjs")
    cases = ["none", "nobody watching", "10 streams", "10 chromium tabs"]
    with harness.Nginx("""
        listen 127.0.0.1:{port};
        keepalive_requests 1000000;
        location / { return 200 "ok"; }""") as nginx:
        runs = {case: [] for case in cases}
        for _ in range(args.repeat):  # interleaved, so that drift on the machine hits every case
            for case in cases:
                runs[case].append(one_run(nginx.url("/"), args.rate, args.duration, args.warmup, case))
    print(f"iuprobe run --rate {args.rate} --duration {args.duration} (after --warmup {args.warmup}) "
          f"against nginx; "
          f"medians of {args.repeat} runs, interleaved\n")
    header = f"{'viewers':<22}{'sent/s':>10}{'late %':>9}{'p50 ms':>9}{'p99 ms':>9}{'iuprobe CPU s':>15}{'gen-bound':>11}  stream per viewer"
    print(header)
    print("-" * len(header))
    med = {}
    for case in cases:
        r = runs[case]
        m = {k: statistics.median(x[k] for x in r) for k in ("sent_per_s", "late_pct", "p50_ms", "p99_ms", "cpu_s")}
        med[case] = m
        bound = sum(1 for x in r if x["bound"])
        kb = [x["stream_kb"] for x in r if x["stream_kb"]]
        tabs = [x["tabs"] for x in r if x["tabs"] is not None]
        note = f"{statistics.median(kb):.0f} KB" if kb else ""
        if tabs:
            note = "points per tab: " + ", ".join(str(min(t)) if isinstance(t, list) else "error" for t in tabs)
        label = "no --web" if case == "none" else f"--web, {case}"
        print(f"{label:<22}{m['sent_per_s']:>10,.0f}{m['late_pct']:>9.2f}{m['p50_ms']:>9.3f}{m['p99_ms']:>9.3f}"
              f"{m['cpu_s']:>15.2f}{f'{bound} of {len(r)}':>11}  {note}")
    base = med["none"]
    print()
    for case in cases[1:]:
        m = med[case]
        print(f"ratio {case:<18} sent/s {m['sent_per_s'] / base['sent_per_s']:.3f}x  "
              f"p99 {m['p99_ms'] / max(base['p99_ms'], 1e-9):.2f}x  CPU {m['cpu_s'] / base['cpu_s']:.3f}x")


if __name__ == "__main__":
    main()
