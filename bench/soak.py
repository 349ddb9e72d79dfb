#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A long run with flat memory (issue 15): `iuprobe run` at --rate/s of DetectCustomLabels against
`iuprobe emulate` for --minutes, with the live page (--web) and --viewers event streams open the
whole time, as open tabs would be. Every minute it prints the resident memory (VmRSS) of iuprobe
and of the emulator, the requests the emulator answered in that minute, and what the viewers
received. At the end a new viewer opens the page and the bench prints how much history it was
sent (the bounded replay).

Target: RSS growth under 5% after the first 5 minutes, for both processes:
(last minute's RSS − minute 5's RSS) / minute 5's RSS. Defaults: 60 minutes at 2,000/s, 3 viewers.
Needs a build (IUPROBE_BIN, else build/release, else build/dev).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402


def binary() -> str:
    if os.environ.get("IUPROBE_BIN"):
        return os.environ["IUPROBE_BIN"]
    for preset in ("release", "dev"):
        path = ROOT / "build" / preset / "src" / "app" / "iuprobe"
        if path.exists():
            return str(path)
    sys.exit("no iuprobe build: run scripts/setup.sh, or set IUPROBE_BIN")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--viewers", type=int, default=3)
    args = parser.parse_args()
    iuprobe = binary()
    os.environ["IUPROBE_BIN"] = iuprobe
    harness.IUPROBE = iuprobe

    with tempfile.TemporaryDirectory() as tmp, harness.Emulator("--iu", str(int(args.rate / 100 * 1.5) + 1)) as emulator:
        samples, images = Path(tmp) / "samples", Path(tmp) / "images"
        subprocess.run([iuprobe, "emulate", "--write-samples", str(samples)], check=True, capture_output=True)
        # The 320x240 JPEG (26 KB): 2,000/s of it is 70 MB/s of base64, which the two processes
        # move on 2 cores; the 1 MB samples would be 2.4 GB/s.
        images.mkdir()
        (images / "small.jpg").write_bytes((samples / "small-320x240.jpg").read_bytes())
        run = subprocess.Popen([iuprobe, "run", "--project-version-arn", emulator.model_arn, "--endpoint-url",
                                emulator.url, "--images", str(images), "--rate", str(args.rate), "--duration",
                                f"{args.minutes * 60 + 30}s", "--quiet", "--web", "127.0.0.1:0", "--out", str(Path(tmp) / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=harness.emulator_env())
        url = None
        for line in run.stdout:
            if line.startswith("dashboard  "):
                url = line.split()[1]
                break
        if url is None:
            sys.exit(f"iuprobe run did not start: {run.stderr.read()}")
        threading.Thread(target=lambda: [None for _ in run.stdout], daemon=True).start()

        stop = threading.Event()
        received = [0] * args.viewers

        def view(i: int):
            connection, response = harness.connect(url, "/events")
            while not stop.is_set():
                chunk = response.read1(65536)
                if not chunk:
                    break
                received[i] += len(chunk)
            connection.close()

        viewers = [threading.Thread(target=view, args=(i,), daemon=True) for i in range(args.viewers)]
        for v in viewers:
            v.start()

        print(f"{os.cpu_count()} cores; iuprobe run at {args.rate:.0f}/s for {args.minutes} min against iuprobe emulate "
              f"(DetectCustomLabels, SigV4, a 26 KB JPEG), --web with {args.viewers} viewers")
        print(f"{'minute':>6} {'iuprobe MB':>11} {'emulator MB':>12} {'answered/s':>11} {'viewers KB':>11}")
        rows = []
        started = time.monotonic()
        answered_before = 0
        for minute in range(1, args.minutes + 1):
            time.sleep(max(0.0, started + 60 * minute - 1 - time.monotonic()))
            if run.poll() is not None:
                print(f"iuprobe run ended early (exit {run.returncode}): {run.stderr.read()}")
                return 1
            answered = emulator.count("DetectCustomLabels")
            row = (minute, harness.rss_mb(run.pid), harness.rss_mb(emulator.process.pid), (answered - answered_before) / 60,
                   sum(received) / 1024)
            answered_before = answered
            rows.append(row)
            print(f"{row[0]:>6} {row[1]:>11.1f} {row[2]:>12.1f} {row[3]:>11.0f} {row[4]:>11.0f}", flush=True)

        # A tab opened now: the history it is sent first (what arrives within 2 s: the replay,
        # and a live event or two).
        host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
        first = b""
        with socket.create_connection((host, int(port)), timeout=0.5) as tab:
            tab.sendall(f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                try:
                    first += tab.recv(1 << 20)
                except TimeoutError:
                    pass
        stop.set()
        code = run.wait(timeout=120)
        result = Path(tmp) / "out" / "result.json"
        windows = json.loads(result.read_text())["windows"] if result.exists() else None

    base = rows[min(4, len(rows) - 1)]
    last = rows[-1]
    growth = lambda a, b: (b - a) / a * 100 if a else 0.0
    print()
    print(f"iuprobe exit {code}")
    print(f"RSS growth from minute {base[0]} to {last[0]}: iuprobe {growth(base[1], last[1]):+.1f}%, "
          f"emulator {growth(base[2], last[2]):+.1f}% (target: under 5%)")
    print(f"a tab opened at the end was sent {len(first) / 1024:.0f} KB of history first "
          f"({first.count(b'event: window')} window events for {args.minutes * 60} s of run)")
    if windows is None:
        print("result.json was not written")
    else:
        print(f"result.json holds {len(windows)} windows covering {sum(w['length_s'] for w in windows):.0f} seconds "
              f"(at most 300 points; history.csv has every second)")
    ok = code == 0 and windows is not None and growth(base[1], last[1]) < 5 and growth(base[2], last[2]) < 5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
