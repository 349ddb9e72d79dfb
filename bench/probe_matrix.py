#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`iuprobe probe` against every kind of limiter, one row per case: both figures (the sustainable
rate and the saturated goodput), each against a truth measured independently of the search, the
error, the wall time and the IU-minutes the probe cost.

Limiter implementations: nginx (limit_req: a token bucket with a burst; limit_conn: concurrency),
HAProxy (a sliding window that counts the requests it denies; a fixed window keyed by the clock's
second; early answers to uploads), Varnish (vmod_vsthrottle, a token bucket) and the emulator
(slots and a queue; its own token bucket and sliding window; a model that slows down when
overloaded). Capacities from 5 to 5,000 TPS, latencies from 1 ms to 500 ms, images from 1 KB to
4 MB.

The truth of each figure:
- sustainable, `true`: the configured rate where the server's own configuration is exact (a
  limiter's rate; the emulator's slots ÷ service time with little jitter), else `-`;
- sustainable, `ref -2%/+2%`: the reference method — `iuprobe run` (which holds one evenly spaced
  rate and knows nothing of the search) for 20 s from idle at 0.98× and 1.02× the answer, and the
  requests each refused. An answer within ±2% refuses no more than the probe's tolerance at 0.98×
  (by default 0.1%, not clearly above it by a one-sided binomial test at 95%; none at zero
  tolerance) and more than the tolerance at 1.02×. Not run
  on token buckets: their burst outlasts 20 s at 1.02×, so from idle nothing is refused there;
- saturated, `sat true`: a long over-driven run, `iuprobe run` at the rate the probe over-drove
  with for 20 s after a 10 s warm-up (which empties a bucket's burst), its goodput.
Targets (issue 12): both figures within ±2% of their truth, each probe under 60 s at 20 TPS and
above (the small-capacity case is shown apart). Needs a release build, nginx, HAProxy and Varnish
(scripts/setup.sh). Takes about 35 minutes.
"""

import argparse
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402

IUPROBE = os.environ.get("IUPROBE_BIN", str(ROOT / "build" / "release" / "src" / "app" / "iuprobe"))
harness.IUPROBE = IUPROBE


def noise_png(path: Path, side: int) -> None:
    """A PNG of random pixels: it does not compress, so side 1150 is just under 4 MB."""
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)) +
                     chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


class Case:
    """One endpoint: `serve()` is a context manager yielding (target flags, env); `truth` the
    configured sustainable rate where exact; `bucket` skips the 20 s reference (see above)."""

    def __init__(self, name, serve, truth=None, iu=0, bucket=False, small=False):
        self.name, self.serve, self.truth, self.iu, self.bucket, self.small = name, serve, truth, iu, bucket, small


def refused(counts: dict) -> tuple[int, int]:
    """The requests a reference run refused, and those it got answers to."""
    return counts["throttled"] + counts["errors"], counts["ok"] + counts["throttled"] + counts["errors"]


def clearly_above(refused: int, answered: int, tolerance: float) -> bool:
    """Whether `refused` of `answered` is above `tolerance` at 95% confidence: the chance of as
    many or more at exactly the tolerance is under 5%. At tolerance 0, any refusal is."""
    if tolerance <= 0 or refused == 0:
        return refused > 0
    log_p, log_q = math.log(tolerance), math.log1p(-tolerance)
    below = sum(math.exp(math.lgamma(answered + 1) - math.lgamma(i + 1) - math.lgamma(answered - i + 1) +
                         i * log_p + (answered - i) * log_q) for i in range(refused))
    return 1 - below < 0.05


def measure(case: Case, log_dir: Path | None = None) -> dict:
    """One probe of `case` and its truths; with `log_dir`, the probe's terminal output is kept
    there, one file per case."""
    with case.serve() as (target, env):
        extra = ["--iu", str(case.iu)] if case.iu else []
        result, wall, run = harness.probe_result(IUPROBE, [*target, *extra], env=env)
        if log_dir:
            name = "".join(c if c.isalnum() else "-" for c in case.name).strip("-")
            (log_dir / f"{name}.txt").write_text(run.stdout + run.stderr)
        if result is None:
            raise RuntimeError(f"{case.name}: probe failed: {run.stdout[-3000:]}{run.stderr[-2000:]}")
        answer = result["answer"]
        row = {"found": answer["capacity_tps"], "verdict": answer["verdict"], "wall": wall,
               "tolerance": result["limits"]["max_error_rate"],
               "steps": len(result["trials"]), "saturated": (answer.get("saturated") or {}).get("goodput_tps")}
        if answer["verdict"] != "found":
            return row
        if not case.bucket:
            for label, factor in (("below", 0.98), ("above", 1.02)):
                time.sleep(3)  # idle: windows forget the previous load
                row[label] = refused(harness.reference_run(target, row["found"] * factor, 20, env=env))
        if row["saturated"] is not None:
            time.sleep(3)
            row["saturated_truth"] = harness.reference_run(target, answer["saturated"]["offered_tps"], 20, env=env,
                                                           warmup=10)["goodput"]
        return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--log", type=Path, help="write each probe's terminal output to this directory")
    args = parser.parse_args()
    if args.log:
        args.log.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory()
    samples = Path(tmp.name) / "samples"
    subprocess.run([IUPROBE, "emulate", "--write-samples", str(samples)], check=True, capture_output=True)
    small = samples / "small-320x240.jpg"  # 26 KB, 0.08 MP
    big = Path(tmp.name) / "noise-1150.png"  # 3.97 MB, 1.32 MP
    noise_png(big, 1150)
    from contextlib import contextmanager

    @contextmanager
    def emulator(flags, image):
        with harness.Emulator(*flags) as e:
            yield ["--project-version-arn", e.model_arn, "--endpoint-url", e.url, "--images", str(image)], \
                harness.emulator_env()

    @contextmanager
    def nginx_limit_req(rate, burst):
        with harness.nginx_limit_req(rate, burst) as n:
            yield ["--url", n.url("/ok"), "--threads", "1"], None

    @contextmanager
    def haproxy(body, upload_bytes=0):
        with harness.HAProxy(body) as h:
            target = ["--url", h.url("/"), "--threads", "1"]
            if upload_bytes:
                upload = Path(tmp.name) / f"upload-{upload_bytes}.bin"
                upload.write_bytes(os.urandom(upload_bytes))
                target += ["--body-file", str(upload)]
            yield target, None

    @contextmanager
    def varnish_throttle(limit, period_s):
        with harness.Varnish(harness.varnish_throttle(limit, period_s)) as v:
            yield ["--url", v.url("/"), "--threads", "1"], None

    @contextmanager
    def nginx_limit_conn(conns, delay, jitter):
        with harness.limit_conn_endpoint(conns, delay, jitter) as target:
            yield target, None

    def e(*flags, image=small):
        return lambda: emulator(list(flags), image)

    mp_big = 1150 * 1150 / 1e6
    cases = [
        Case("emulator slots, 10 ms, 500 TPS", e("--slots", "5", "--service-time", "10ms", "--queue", "2"), 500, 1),
        Case("emulator slots, 500 ms, 40 TPS", e("--slots", "20", "--service-time", "500ms", "--queue", "4"), 40, 1),
        Case("emulator 5 IU x 1,000 TPS, 26 KB", e("--iu", "5", "--slots", "10", "--service-time", "10ms",
                                                   "--queue", "4"), 5000, 5),
        Case("emulator 2 IU, 4 MB PNG, 40+20 ms/MP",
             e("--iu", "2", "--slots", "4", "--service-time", "40ms", "--per-megapixel", "20ms", image=big),
             2 * 4 / (0.040 + 0.020 * mp_big), 2),
        Case("emulator token bucket 200/s, 5 s burst", e("--slots", "100", "--service-time", "20ms",
                                                         "--limiter", "token-bucket", "--limit", "200", "--burst", "5s"),
             200, 1, bucket=True),
        Case("emulator sliding window 150/s", e("--slots", "100", "--service-time", "20ms",
                                                "--limiter", "sliding-window", "--limit", "150"), 150, 1),
        Case("emulator slows down when refusing", e("--slots", "5", "--service-time", "50ms", "--jitter", "0",
                                                     "--slowdown", "1"), 100, 1),
        Case("nginx limit_req 150/s, burst 750 (5 s)", lambda: nginx_limit_req(150, 750), 150, bucket=True),
        Case("nginx limit_req 1000/s, burst 200", lambda: nginx_limit_req(1000, 200), 1000, bucket=True),
        Case("nginx limit_conn 10, 100 ms ±50% backend", lambda: nginx_limit_conn(10, 0.100, 0.5)),
        Case("nginx limit_conn 4, 20 ms backend", lambda: nginx_limit_conn(4, 0.020, 0)),
        Case("haproxy sliding window 200/s", lambda: haproxy(harness.haproxy_window_limit(200))),
        Case("haproxy fixed window 300/s", lambda: haproxy(harness.haproxy_fixed_window(300)), 300),
        Case("haproxy window 100/s, 256 KB early answers", lambda: haproxy(harness.haproxy_window_limit(100), 256 << 10)),
        # vsthrottle's configured rate is not what it serves (over-driven: 359/s for 800 per 2 s,
        # measured), so it has no configured truth, and its 2 s burst outlasts the reference.
        Case("varnish vsthrottle 800 per 2 s", lambda: varnish_throttle(800, 2), bucket=True),
        Case("emulator slots, 400 ms, 5 TPS", e("--slots", "2", "--service-time", "400ms", "--queue", "1"), 5, 1,
             small=True),
    ]
    rows = {}
    for case in cases:
        if args.only and args.only not in case.name:
            continue
        started = time.monotonic()
        rows[case.name] = measure(case, args.log)
        print(f"  {case.name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    if not rows:
        sys.exit(f"probe_matrix.py: no case matches --only {args.only!r}; the cases are:\n  " +
                 "\n  ".join(case.name for case in cases))

    def pct(value, truth):
        return f"{(value / truth - 1) * 100:+.1f}%" if value is not None and truth else "-"

    print(f"\n{os.cpu_count()} cores; one probe per case, default settings; {IUPROBE}")
    header = (f"{'case':<44} {'found':>8} {'true':>8} {'error':>7} {'ref -2%/+2%':>12} {'saturated':>9} "
              f"{'sat true':>8} {'error':>7} {'wall s':>6} {'IU-min':>6} {'steps':>5}  verdict")
    print(header)
    print("-" * len(header))
    worst_sustained = worst_saturated = slowest = 0.0
    for case in cases:
        row = rows.get(case.name)
        if row is None:
            continue
        ref = f"{row['below'][0]}/{row['above'][0]}" if "below" in row else "-"
        # The reference says: within ±2% when 0.98x refused at most the tolerance and 1.02x more.
        ref_ok = "below" not in row or (not clearly_above(*row["below"], row["tolerance"]) and
                                        row["above"][0] > row["tolerance"] * row["above"][1])
        err = pct(row["found"], case.truth)
        sat_err = pct(row["saturated"], row.get("saturated_truth"))
        if case.truth:
            worst_sustained = max(worst_sustained, abs(row["found"] / case.truth - 1) * 100)
        if not ref_ok:
            worst_sustained = max(worst_sustained, 2.01)
        if row["saturated"] is not None and row.get("saturated_truth"):
            worst_saturated = max(worst_saturated, abs(row["saturated"] / row["saturated_truth"] - 1) * 100)
        if not case.small:
            slowest = max(slowest, row["wall"])
        iu_min = f"{row['wall'] / 60 * case.iu:.2f}" if case.iu else "-"
        sat = f"{row['saturated']:,.1f}" if row["saturated"] is not None else "-"
        sat_true = f"{row['saturated_truth']:,.1f}" if row.get("saturated_truth") is not None else "-"
        true = f"{case.truth:,.1f}" if case.truth else "-"
        print(f"{case.name + (' (small)' if case.small else ''):<44} {row['found']:>8,.1f} {true:>8} {err:>7} "
              f"{ref + ('' if ref_ok else ' !'):>12} {sat:>9} {sat_true:>8} {sat_err:>7} {row['wall']:>6.0f} "
              f"{iu_min:>6} {row['steps']:>5}  {row['verdict']}")
    met = worst_sustained <= 2 and worst_saturated <= 2 and slowest < 60 and \
        all(r["verdict"] == "found" for r in rows.values())
    print(f"worst sustainable error {worst_sustained:.1f}%, worst saturated error {worst_saturated:.1f}% "
          f"(target 2%); slowest probe at 20 TPS and above {slowest:.0f} s (target 60 s): "
          f"{'MET' if met else 'MISSED'}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
