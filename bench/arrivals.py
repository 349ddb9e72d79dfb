#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The two arrival processes side by side on the emulator's default model (`iuprobe emulate`:
1 IU, 5 slots, 50 ms ±10%, a queue of 2; 100 TPS when saturated): `iuprobe probe` with evenly
spaced requests and with `--arrivals poisson` (the default tolerance, 0.1%, for both),
--repeat probes each, and for each median answer the reference method, independent of the search:
`iuprobe run` with the same arrivals at 0.97x and 1.03x of the answer, from idle, for 20 s (even)
or 60 s (Poisson: 6,000 requests, enough to tell 0.1%), and the fraction it refused.

An answer is right when 0.97x refused at most the tolerance (none at tolerance 0) and 1.03x more (just above the answer a queue refuses only a little
more than the tolerance: 60 s may not tell 0.12% from 0.1%, and the table then says so).

  bench/arrivals.py [--repeat 3]
Needs a release build (scripts/setup.sh). Takes about 25 minutes at --repeat 3 (a Poisson probe at 0.1% near 30/s holds its steps for
thousands of answers: about 5 minutes each).
"""

import argparse
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="probes per arrival process (default 3)")
    args = parser.parse_args()
    rows = []
    with harness.Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        subprocess.run([IUPROBE, "emulate", "--write-samples", tmp], check=True, capture_output=True)
        target = ["--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                  "--images", str(Path(tmp) / "small-320x240.jpg")]
        env = harness.emulator_env()
        for arrivals, seconds in (("uniform", 20), ("poisson", 60)):
            found, walls, steps, tolerance = [], [], [], None
            for _ in range(args.repeat):
                time.sleep(3)  # idle between probes
                result, wall, run = harness.probe_result(IUPROBE, [*target, "--arrivals", arrivals], env=env)
                if result is None or result["answer"]["verdict"] != "found":
                    sys.exit(f"arrivals.py: the {arrivals} probe found nothing: {run.stdout[-2000:]}{run.stderr[-1000:]}")
                found.append(result["answer"]["capacity_tps"])
                walls.append(wall)
                steps.append(len(result["trials"]))
                tolerance = result["limits"]["max_error_rate"]
            answer = statistics.median(found)
            refs = []
            for factor in (0.97, 1.03):
                time.sleep(3)
                counts = harness.reference_run(target, answer * factor, seconds, env=env, arrivals=arrivals)
                answered = counts["ok"] + counts["throttled"] + counts["errors"]
                refs.append((counts["throttled"] + counts["errors"], answered))
            rows.append((arrivals, tolerance, found, answer, walls, steps, refs))

    print(f"\n{os.cpu_count()} cores; the emulator's default model (100 TPS saturated); medians of {args.repeat} "
          f"probes; {IUPROBE}")
    header = (f"{'arrivals':<9} {'tolerance':>9} {'answers':>22} {'median':>7} {'wall s':>6} {'steps':>5} "
              f"{'ref 0.97x refused':>18} {'ref 1.03x refused':>18}  verdict")
    print(header)
    print("-" * len(header))
    for arrivals, tolerance, found, answer, walls, steps, refs in rows:
        (below, n_below), (above, n_above) = refs
        if tolerance == 0:
            verdict = "reference agrees" if below == 0 and above > 0 else "REFERENCE DISAGREES"
        elif below / n_below > tolerance:
            verdict = "REFERENCE DISAGREES"
        else:  # just over the answer a queue refuses just over the tolerance: 60 s may not show it
            verdict = "reference agrees" if above / n_above > tolerance else "holds at 0.97x; 1.03x not told apart"
        cell = lambda k, n: f"{k}/{n} {k / n:.2%}"  # noqa: E731
        print(f"{arrivals:<9} {tolerance:>9g} {', '.join(f'{f:.1f}' for f in found):>22} {answer:>7.1f} "
              f"{statistics.median(walls):>6.0f} {statistics.median(steps):>5.0f} {cell(below, n_below):>18} "
              f"{cell(above, n_above):>18}  {verdict}")


if __name__ == "__main__":
    main()
