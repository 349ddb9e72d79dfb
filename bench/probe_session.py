#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The probe as one warm session, against the same probe as a chain of cold starts: two iuprobe
binaries (--before, --after) in the same run, cases alternating, medians of --repeat.

Per case: the probe's wall time and number of steps; how many connections the server accepted
during the probe against the most it had open at once (counted by the server: nginx's
stub_status, the emulator's /metrics, polled every 50 ms on a keep-alive connection of their
own); and, against nginx over TLS, the p50 latency of the first explore step (a cold start
pays TCP and TLS handshakes inside it). Target (issue 11): accepted <= peak open + 10%.

  bench/probe_session.py --before /path/to/old/iuprobe [--after build/release/src/app/iuprobe]
Needs nginx and a release build (scripts/setup.sh). Takes about 12 minutes at --repeat 3.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402

AFTER = os.environ.get("IUPROBE_BIN", str(ROOT / "build" / "release" / "src" / "app" / "iuprobe"))


def probe(binary, args, env=None):
    result, wall, run = harness.probe_result(binary, args, env=env)
    if result is None:
        raise RuntimeError(f"{binary} probe failed: {run.stdout[-2000:]}{run.stderr[-2000:]}")
    return result, wall


LIMIT_REQ = """listen 127.0.0.1:{port};
    location = /status { stub_status; }
    location / { limit_req zone=z burst=20 nodelay; limit_req_status 429; root {www}; try_files /ok =404; }"""
LIMIT_REQ_ZONE = "limit_req_zone $binary_remote_addr zone=z:1m rate=300r/s;"


def nginx_case(binary):
    with harness.Nginx(LIMIT_REQ, http_extra=LIMIT_REQ_ZONE) as nginx:
        counts = harness.StubStatus(nginx)
        result, wall = probe(binary, ["--url", nginx.url("/ok"), "--threads", "2"])
        accepted = counts.stop()
    return result, wall, accepted, counts.peak_active


def emulator_case(binary, image):
    with harness.Emulator("--slots", "5", "--service-time", "10ms", "--queue", "2") as emulator:
        counts = harness.EmulatorConnections(emulator)
        result, wall = probe(binary, ["--project-version-arn", emulator.model_arn, "--endpoint-url",
                                      emulator.url, "--images", str(image), "--iu", "1"],
                             env=harness.emulator_env())
        accepted = counts.stop()
    return result, wall, accepted, counts.peak_active


def tls_case(binary, tmp):
    cert, key = harness.self_signed_certificate(Path(tmp))
    with harness.Nginx(f"""listen 127.0.0.1:{{port}} ssl;
            ssl_certificate {cert}; ssl_certificate_key {key};
            location / {{ limit_req zone=z burst=20 nodelay; limit_req_status 429; root {{www}};
                         try_files /ok =404; }}""", http_extra=LIMIT_REQ_ZONE) as nginx:
        result, wall = probe(binary, ["--url", nginx.url("/ok", scheme="https"), "--ca-file", str(cert),
                                      "--threads", "2"])
    return result, wall, None, None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the iuprobe binary to compare against")
    parser.add_argument("--after", default=AFTER)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    harness.IUPROBE = args.after  # the emulator is always the current one (it counts connections)
    tmp = tempfile.TemporaryDirectory()
    samples = Path(tmp.name) / "samples"
    subprocess.run([args.after, "emulate", "--write-samples", str(samples)], check=True, capture_output=True)
    cases = {
        "nginx limit_req 300/s": nginx_case,
        "emulator 5 slots x 10 ms": lambda b: emulator_case(b, samples / "small-320x240.jpg"),
        "nginx TLS limit_req 300/s": lambda b: tls_case(b, tmp.name),
    }
    rows = {}
    for round_ in range(args.repeat):
        for name, case in cases.items():
            if args.only and args.only not in name:
                continue
            for label, binary in (("before", args.before), ("after", args.after)):
                result, wall, accepted, peak = case(binary)
                first = result["trials"][0]["latency_ms"]
                rows.setdefault((name, label), []).append(
                    {"wall": wall, "steps": len(result["trials"]), "accepted": accepted, "peak": peak,
                     "first_p50": first.get("p50"), "found": result["answer"]["capacity_tps"],
                     "verdict": result["answer"]["verdict"]})
                print(f"  {round_ + 1}/{args.repeat} {name} {label}: {wall:.1f} s, "
                      f"{result['answer']['verdict']} {result['answer']['capacity_tps']:.1f}/s: "
                      f"{result['answer']['reason']}", file=sys.stderr, flush=True)

    def median(name, label, key):
        values = [r[key] for r in rows[(name, label)] if r[key] is not None]
        return statistics.median(values) if values else None

    print(f"\nbefore {args.before}\nafter  {args.after}\n{os.cpu_count()} cores; medians of {args.repeat}")
    header = (f"{'case':<28} {'':<6} {'wall s':>7} {'steps':>6} {'found/s':>8} {'accepted':>9} "
              f"{'peak open':>10} {'acc/peak':>9} {'1st p50 ms':>11}  verdicts")
    print(header)
    print("-" * len(header))
    for name in cases:
        if (name, "after") not in rows:
            continue
        for label in ("before", "after"):
            m = {k: median(name, label, k) for k in ("wall", "steps", "found", "accepted", "peak", "first_p50")}
            ratio = f"{m['accepted'] / m['peak']:.2f}" if m["accepted"] is not None and m["peak"] else "-"
            def text(value, spec):
                return "-" if value is None else format(value, spec)
            print(f"{name:<28} {label:<6} {m['wall']:>7.1f} {m['steps']:>6.0f} {m['found']:>8.1f} "
                  f"{text(m['accepted'], '.0f'):>9} {text(m['peak'], '.0f'):>10} {ratio:>9} "
                  f"{text(m['first_p50'], '.3f'):>11}  "
                  f"{'/'.join(sorted({r['verdict'] for r in rows[(name, label)]}))}")
        b, a = median(name, "before", "wall"), median(name, "after", "wall")
        print(f"{'':<28} {'ratio':<6} {a / b:>7.2f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
