#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whether watching a run slows it down: `iuprobe run` at a high open-loop rate against nginx, with
and without the live page (--web) and its viewers, in the same session.

Cases (medians of --repeat runs of --duration each, at --rate/s against nginx answering "ok"):
  1. no --web (the baseline);
  2. --web, nobody watching;
  3. --web and 10 event-stream readers (what 10 open tabs cost iuprobe: each tab is one stream);
  4. --web and 10 real tabs of headless chromium drawing the page (the browser shares this
     machine's 2 cores here; on a laptop it would not);
  5. closed loop, 10 users flat out (--users 10), without --web and with 10 chromium tabs: the
     same load shape as the Locust peer below, so that the two tools' ratios compare;
  peer: Locust (Debian's python3-locust, FastHttpUser, 10 users flat out against the same nginx)
     headless, and with its web UI open in 10 chromium tabs: how much watching costs the tool
     people use today. Locust's figures cover its whole run (--locust-seconds), tab start-up
     included; its CSV history is not written while users run flat out.
Target (issue 6): ten open tabs do not slow the run down: sent/s, late sends and service latency stay
within noise of the baseline. iuprobe's own CPU time is printed too.
Needs a release build, nginx and the browser tests' node_modules (scripts/setup.sh; a dev build);
Locust rows need `apt-get install python3-locust` and are skipped without it.
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


LOCUST_PYTHON = "/usr/bin/python3"
LOCUSTFILE = """
from locust import FastHttpUser, constant, task


class User(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
"""


def has_locust() -> bool:
    return subprocess.run([LOCUST_PYTHON, "-c", "import locust"], capture_output=True).returncode == 0


def tabs_for(url: str, seconds: float):
    return subprocess.Popen(["node", str(BROWSER_DIR / "live_tabs.mjs"), url, "10",
                             shutil.which("chromium") or "/usr/bin/chromium", str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def locust_run(url: str, seconds: int, tabs: bool):
    """Locust flat out for `seconds`: requests/s and p99 (ms, Locust's whole-run percentile)."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "locustfile.py").write_text(LOCUSTFILE)
        args = [LOCUST_PYTHON, "-m", "locust", "-f", str(Path(d) / "locustfile.py"), "--host", url,
                "-u", "10", "-r", "10", "--run-time", f"{seconds}s", "--csv", f"{d}/out", "--only-summary"]
        port = harness.free_port()
        args += ["--autostart", "--autoquit", "0", "--web-host", "127.0.0.1", "--web-port", str(port)] \
            if tabs else ["--headless"]
        locust = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        browser = None
        if tabs:
            harness.wait_for_port(port)
            browser = tabs_for(f"http://127.0.0.1:{port}/", seconds + 5)
        locust.communicate(timeout=seconds + 120)
        if browser:
            browser.kill()
            browser.communicate()
        rows = (Path(d) / "out_stats.csv").read_text().splitlines()
        header, aggregated = rows[0].split(","), rows[-1].split(",")
        row = dict(zip(header, aggregated))
    return {"rps": float(row["Requests/s"]), "p99_ms": float(row["99%"])}


def one_run(url: str, load: list, viewers: str):
    with tempfile.TemporaryDirectory() as out:
        # `load` has a warm-up (same load, not measured): viewers connect before measuring.
        args = [IUPROBE, "run", "--url", url, *load, "--quiet", "--out", out]
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
    parser.add_argument("--locust-seconds", type=int, default=30)
    args = parser.parse_args()
    shutil.copy(ROOT / "bench" / "live_tabs.mjs", BROWSER_DIR / "live_tabs.mjs")
    cases = ["none", "nobody watching", "10 streams", "10 chromium tabs"]
    open_loop = ["--rate", str(args.rate), "--duration", args.duration, "--warmup", args.warmup]
    flat_out = ["--users", "10", "--duration", args.duration, "--warmup", args.warmup]
    flat_cases = ["none", "10 chromium tabs"]
    with harness.Nginx("""
        listen 127.0.0.1:{port};
        keepalive_requests 1000000;
        location / { return 200 "ok"; }""") as nginx:
        runs = {case: [] for case in cases}
        flat = {case: [] for case in flat_cases}
        locust = {False: [], True: []} if has_locust() else None
        for _ in range(args.repeat):  # interleaved, so that drift on the machine hits every case
            for case in cases:
                runs[case].append(one_run(nginx.url("/"), open_loop, case))
            for case in flat_cases:
                flat[case].append(one_run(nginx.url("/"), flat_out, case))
            for tabs in (locust or {}):
                locust[tabs].append(locust_run(nginx.url("/"), args.locust_seconds, tabs))
    print(f"iuprobe run --rate {args.rate} (or --users 10) --duration {args.duration} (after --warmup "
          f"{args.warmup}) against nginx; "
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
    for case in flat_cases:
        m = {k: statistics.median(x[k] for x in flat[case]) for k in ("sent_per_s", "p99_ms", "cpu_s")}
        med["flat " + case] = m
        label = "--users 10" + ("" if case == "none" else ", 10 tabs")
        print(f"{label:<22}{m['sent_per_s']:>10,.0f}{'':>9}{'':>9}{m['p99_ms']:>9.3f}{m['cpu_s']:>15.2f}{'':>11}"
              f"  closed loop, 10 users flat out")
    base = med["none"]
    if locust:
        for tabs in (False, True):
            rps = statistics.median(x["rps"] for x in locust[tabs])
            p99 = statistics.median(x["p99_ms"] for x in locust[tabs])
            label = "peer Locust, 10 tabs" if tabs else "peer Locust, headless"
            print(f"{label:<22}{rps:>10,.0f}{'':>9}{'':>9}{p99:>9.0f}{'':>15}{'':>11}  10 users flat out, "
                  f"{args.locust_seconds} s, whole run")
    print()
    for case in cases[1:]:
        m = med[case]
        print(f"ratio {case:<18} sent/s {m['sent_per_s'] / base['sent_per_s']:.3f}x  "
              f"p99 {m['p99_ms'] / max(base['p99_ms'], 1e-9):.2f}x  CPU {m['cpu_s'] / base['cpu_s']:.3f}x")
    flat_ratio = med["flat 10 chromium tabs"]["sent_per_s"] / med["flat none"]["sent_per_s"]
    print(f"ratio --users 10, 10 tabs / no --web: requests/s {flat_ratio:.3f}x")
    if locust:
        headless = statistics.median(x["rps"] for x in locust[False])
        watched = statistics.median(x["rps"] for x in locust[True])
        print(f"ratio peer Locust, 10 tabs / headless: requests/s {watched / headless:.3f}x")
    else:
        print("peer Locust rows skipped: apt-get install python3-locust")


if __name__ == "__main__":
    main()
