# SPDX-License-Identifier: Apache-2.0
"""`mpirun -np 3 iuprobe probe|run` with Debian's OpenMPI (issue 16): three processes send one
schedule against the emulator, rank 0 merges what they measured. The truths are the emulator's
own: its configuration (slots / service time, with no jitter, is the capacity) and its /metrics,
which count every request it answered."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import IUPROBE, KEEP_RANK_0, Emulator, emulator_env, png_bytes, start_mpirun

# 10 slots of 200 ms, no jitter: 50 answers a second at most.
SLOTS, SERVICE_S = 10, 0.2
CAPACITY = SLOTS / SERVICE_S
# 5 connections a rank: at most 25 answers a second from one process, 75 from three.
CONNECTIONS = 5




def ok_requests(emulator) -> int:
    return sum(int(v) for k, v in emulator.metrics().items()
               if k.startswith("iuprobe_emulator_requests_total") and 'outcome="ok"' in k
               and 'operation="DetectCustomLabels"' in k)


class ThreeRanks(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="iuprobe-mpi-"))
        self.image = self.tmp / "i.png"
        self.image.write_bytes(png_bytes(64, 64))
        self.env = emulator_env()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def mpirun(self, ranks, *args):
        """`mpirun -np RANKS iuprobe ARGS`, started; ended with its ranks if the test fails."""
        return start_mpirun(self, [*KEEP_RANK_0, "-np", str(ranks), IUPROBE, *args], self.env)

    def target(self, emulator):
        return ["--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                "--images", str(self.image), "--max-connections", str(CONNECTIONS)]

    def test_three_ranks_find_the_capacity_that_one_process_cannot_reach(self):
        with Emulator("--slots", str(SLOTS), "--service-time", "200ms", "--jitter", "0") as emulator:
            one = subprocess.run([IUPROBE, "probe", *self.target(emulator), "--out", str(self.tmp / "one")],
                                 capture_output=True, text=True, env=self.env, timeout=300)
            self.assertEqual(one.returncode, 0, one.stdout + one.stderr)
            single = json.loads((self.tmp / "one" / "result.json").read_text())
            self.assertEqual(single["answer"]["verdict"], "generator-limited", one.stdout)
            self.assertIn("at least", one.stdout)
            self.assertLess(single["answer"]["capacity_tps"], 0.6 * CAPACITY, one.stdout)
            self.assertEqual(single["ranks"], [])

            before = ok_requests(emulator)
            three = self.mpirun(3, "probe", *self.target(emulator), "--out", str(self.tmp / "three"))
            out, err = three.communicate(timeout=300)
            served = ok_requests(emulator) - before
        self.assertEqual(three.returncode, 0, out + err)
        result = json.loads((self.tmp / "three" / "result.json").read_text())
        answer = result["answer"]
        print(f"\n  one process: at least {single['answer']['capacity_tps']:.1f}/s; three ranks: "
              f"{answer['verdict']} {answer['capacity_tps']:.1f}/s of {CAPACITY:.0f}", end=" ", flush=True)
        self.assertEqual(answer["verdict"], "found", out)
        self.assertAlmostEqual(answer["capacity_tps"] / CAPACITY, 1.0, delta=0.03, msg=out)
        # Every rank sent a third of the schedule and kept up.
        ranks = result["ranks"]
        self.assertEqual([r["rank"] for r in ranks], [0, 1, 2], out)
        for r in ranks:
            self.assertTrue(r["host"], r)
            self.assertAlmostEqual(r["share"], 1 / 3, delta=0.01, msg=r)
            self.assertFalse(r["generator"]["bound"], r)
        self.assertIn("3 MPI ranks sent one schedule", out)
        # Said as the probe starts too, on the terminal and the live page.
        self.assertRegex(out, r"status +3 MPI ranks send one schedule, from \S+ \(3\)\n")
        # Merged exactly: the answers counted over every second of every step (drains and
        # settles too) are the ones the emulator served.
        counted = sum(round(w["goodput_per_s"] * w["length_s"]) for w in result["series"])
        self.assertEqual(counted, served, out)

    def test_a_run_from_three_ranks_counts_every_request_once(self):
        with Emulator("--slots", "50", "--service-time", "20ms", "--jitter", "0") as emulator:
            three = self.mpirun(3, "run", *self.target(emulator), "--rate", "90", "--duration", "4s",
                                "--warmup", "0s", "--quiet", "--out", str(self.tmp / "run"))
            out, err = three.communicate(timeout=120)
            served = ok_requests(emulator)
        self.assertEqual(three.returncode, 0, out + err)
        result = json.loads((self.tmp / "run" / "result.json").read_text())
        summary = result["summary"]
        self.assertEqual(summary["scheduled"], 360, out)  # 90/s for 4 s, exactly the schedule
        self.assertEqual(summary["sent"], 360, out)
        self.assertEqual(summary["outcomes"]["ok"], served, out)
        self.assertEqual(summary["latency_ms"]["count"], served, out)
        self.assertEqual(sorted(r["sent"] for r in result["ranks"]), [120, 120, 120], out)

    def probe_a_started_model(self, out, fault):
        """`mpirun -np 3 iuprobe probe --start-model` against a stopped model; once the model has
        answered 100 requests (a count, not a time), `fault(mpirun)`. Returns the finished
        mpirun, its output, and the model's status after it."""
        with Emulator("--status", "STOPPED", "--start-time", "1s", "--slots", str(SLOTS),
                      "--service-time", "200ms", "--jitter", "0") as emulator:
            probe = self.mpirun(3, "probe", *self.target(emulator), "--start-model", "--iu", "1",
                                "--out", str(self.tmp / out))
            deadline = time.monotonic() + 120
            while ok_requests(emulator) < 100 and probe.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            fault(probe)
            out, err = probe.communicate(timeout=120)
            return probe, out, err, emulator.status()

    def test_a_rank_that_dies_mid_probe_ends_it_with_the_model_stopped(self):
        def kill_rank_2(probe):
            victim = rank_pid(probe.pid, 2)
            self.assertIsNotNone(victim, "rank 2 not found among mpirun's children")
            os.kill(victim, signal.SIGKILL)

        probe, out, err, status = self.probe_a_started_model("dies", kill_rank_2)
        print(f"\n  exit {probe.returncode}: {err.strip().splitlines()[0] if err.strip() else ''}", end=" ", flush=True)
        self.assertNotEqual(probe.returncode, 0, out + err)
        self.assertIn("rank 2 did not answer", out + err)
        self.assertIn(status, ("STOPPING", "STOPPED"), out + err)
        result = json.loads((self.tmp / "dies" / "result.json").read_text())
        self.assertIsNotNone(result["failure"], out)
        self.assertIn("rank 2", result["failure"]["message"])

    def test_a_stop_sent_to_mpirun_stops_every_rank_and_the_model(self):
        # mpirun forwards SIGUSR1 to every rank at once (Ctrl-C reaches the ranks only as a
        # SIGTERM after a delay).
        probe, out, err, status = self.probe_a_started_model(
            "stopped", lambda mpirun: mpirun.send_signal(signal.SIGUSR1))
        print(f"\n  exit {probe.returncode}", end=" ", flush=True)
        self.assertEqual(probe.returncode, 128 + signal.SIGUSR1, out + err)
        self.assertIn(status, ("STOPPING", "STOPPED"), out + err)
        result = json.loads((self.tmp / "stopped" / "result.json").read_text())
        self.assertTrue(result["interrupted"], out)
        self.assertEqual(len(result["ranks"]), 3, out)
        self.assertNotIn("did not answer", out + err)


def rank_pid(mpirun_pid: int, rank: int):
    """The process of MPI rank `rank` under this mpirun: a child whose environment says so."""
    for child in Path(f"/proc/{mpirun_pid}/task/{mpirun_pid}/children").read_text().split():
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ:
            return int(child)
    return None


if __name__ == "__main__":
    unittest.main()
