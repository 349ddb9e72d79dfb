#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One process against several MPI ranks (`mpirun -np N iuprobe probe`), side by side, on a model
that one process cannot saturate: the emulator with 10 slots of 200 ms and no jitter (a capacity
of exactly 50/s, from its configuration), each process limited to 5 connections (at most 25
answers a second from one process). For each rank count, --repeat probes: the verdict, the
answer and its error against the configured capacity, the wall time, the steps, and each rank's
share of the sends and whether it kept up.

  bench/mpi_ranks.py [--ranks 1,2,3] [--repeat 3]
Needs a build with the MPI plugin (libopenmpi-dev installed when it was configured) and mpirun;
IUPROBE_BIN picks the binary (default: the release build). About a minute per probe.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402

IUPROBE = os.environ.get("IUPROBE_BIN", str(ROOT / "build" / "release" / "src" / "app" / "iuprobe"))
harness.IUPROBE = IUPROBE
SLOTS, SERVICE = 10, "200ms"
CAPACITY = 50.0
CONNECTIONS = 5


def probe(ranks: int, emulator, image: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe"
        args = ["probe", "--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                "--images", str(image), "--max-connections", str(CONNECTIONS), "--quiet", "--out", str(out)]
        command = [IUPROBE, *args] if ranks == 1 else [harness.MPIRUN, *harness.MPI_FLAGS, *harness.KEEP_RANK_0,
                                                            "-np", str(ranks), IUPROBE, *args]
        started = time.monotonic()
        run = subprocess.run(command, capture_output=True, text=True, env=harness.emulator_env(), timeout=600)
        wall = time.monotonic() - started
        if run.returncode != 0 or not (out / "result.json").exists():
            raise SystemExit(f"{ranks} rank(s): exit {run.returncode}\n{run.stdout}{run.stderr}")
        result = json.loads((out / "result.json").read_text())
    answer = result["answer"]
    return {"verdict": answer["verdict"], "found": answer["capacity_tps"], "wall": wall,
            "steps": len(result["trials"]),
            "sends": [r["sent"] for r in result["ranks"]] or [None],
            "shares": [r["share"] for r in result["ranks"]] or [1.0],
            # One process has no ranks: its own self-check decided the verdict.
            "kept_up": answer["verdict"] != "generator-limited" and
            all(not r["generator"]["bound"] for r in result["ranks"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="1,3", help="rank counts, comma-separated (default 1,3)")
    parser.add_argument("--repeat", type=int, default=3, help="probes per rank count (default 3)")
    args = parser.parse_args()
    counts = [int(n) for n in args.ranks.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "i.png"
        image.write_bytes(harness.png_bytes(64, 64))
        for ranks in counts:
            for i in range(args.repeat):
                # A fresh emulator for each probe: nothing of the last one's load remains.
                with harness.Emulator("--slots", str(SLOTS), "--service-time", SERVICE, "--jitter", "0") as emulator:
                    rows.append((ranks, probe(ranks, emulator, image)))
                print(f"  {ranks} rank(s), probe {i + 1}: {rows[-1][1]['verdict']} {rows[-1][1]['found']:.1f}/s "
                      f"in {rows[-1][1]['wall']:.0f} s", file=sys.stderr, flush=True)

    print(f"{os.cpu_count()} cores; emulator {SLOTS} slots x {SERVICE}, no jitter: capacity {CAPACITY:.0f}/s; "
          f"--max-connections {CONNECTIONS} per process; {args.repeat} probes each, medians; {IUPROBE}")
    header = f"{'ranks':>5}  {'verdicts':<24} {'found':>7} {'error':>7} {'wall s':>7} {'steps':>5}  " \
             f"{'sends per rank (last probe)':<30} {'shares':<20} generator kept up"
    print(header)
    print("-" * len(header))
    for ranks in counts:
        runs = [r for n, r in rows if n == ranks]
        found = statistics.median(r["found"] for r in runs)
        verdicts = ",".join(sorted({r["verdict"] for r in runs}))
        last = runs[-1]
        sends = "/".join(str(s) for s in last["sends"]) if last["sends"][0] is not None else "-"
        shares = "/".join(f"{s:.3f}" for s in last["shares"])
        print(f"{ranks:>5}  {verdicts:<24} {found:>7.1f} {(found / CAPACITY - 1) * 100:>+6.1f}% "
              f"{statistics.median(r['wall'] for r in runs):>7.0f} {statistics.median(r['steps'] for r in runs):>5.0f}  "
              f"{sends:<30} {shares:<20} {'yes' if all(r['kept_up'] for r in runs) else 'NO'}")


if __name__ == "__main__":
    main()
