# SPDX-License-Identifier: Apache-2.0
"""Faults end to end (issue 15): endpoints that stop answering or die mid-probe. Whatever
happens, the probe ends with a clear verdict that names what went wrong, and its partial
results are written."""

import socket
import tempfile
import threading
import time
import unittest
from pathlib import Path

import json

from harness import IUPROBE, Emulator, Nginx, emulator_env, probe_result, read_json, run_iuprobe, write_images


class SilentEndpoint:
    """A loopback port that completes TCP handshakes (the kernel does, into the listen backlog)
    and never reads or answers: a hung server."""

    def __enter__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(4096)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        return self

    def __exit__(self, *exc):
        self.socket.close()


class EndpointFaults(unittest.TestCase):
    def test_an_endpoint_that_never_answers_ends_the_probe_within_about_one_timeout(self):
        with SilentEndpoint() as endpoint, tempfile.TemporaryDirectory() as tmp:
            result, wall, run = probe_result(IUPROBE, ["--url", endpoint.url, "--timeout", "3s"],
                                             out=Path(tmp), timeout=120)
        print(f"\n  ended in {wall:.1f} s: {run.stdout.strip().splitlines()[-1:]}", end=" ", flush=True)
        self.assertIsNotNone(result, run.stdout + run.stderr)
        self.assertEqual(result["answer"]["verdict"], "never-passed", run.stdout)
        self.assertIn("does not answer: all 20 requests at 10.0/s timed out", run.stdout)
        self.assertNotIn("per IU", run.stdout)
        # One step (2 s, then its requests' 3 s timeout), not the 3 steps of 30 s that an older
        # version spent stepping down towards zero.
        self.assertEqual(len(result["trials"]), 1, run.stdout)

    def test_an_endpoint_that_dies_mid_probe_ends_it_with_partial_results(self):
        # nginx answers everything (no limit) until it shuts down fast (SIGTERM: its worker closes
        # every connection at once) 6 s into the probe, in the explore steps of 40-80/s.
        nginx = Nginx("""
                listen 127.0.0.1:{port};
                location / { return 200 'ok'; }
                """)
        with nginx, tempfile.TemporaryDirectory() as tmp:
            killer = threading.Timer(6, nginx.process.terminate)
            killer.start()
            try:
                result, wall, run = probe_result(IUPROBE, ["--url", nginx.url("/"), "--threads", "1",
                                                           "--max-tps", "640"], out=Path(tmp), timeout=120)
            finally:
                killer.cancel()
        print(f"\n  ended in {wall:.1f} s: {run.stdout.strip().splitlines()[-1:]}", end=" ", flush=True)
        self.assertIsNotNone(result, run.stdout + run.stderr)  # the partial result
        self.assertEqual(result["answer"]["verdict"], "unfinished", run.stdout)
        self.assertIn("capacity   not determined\nwhy        the endpoint stopped answering at", run.stdout)
        self.assertIn("Connection refused", run.stdout)
        self.assertNotIn("per IU", run.stdout)
        # It ends at the first judged step without an answer (an over-driven step does not
        # count), not after refine steps towards zero against a dead endpoint, which took 38 s
        # and ended in "refused even at 10.0 TPS".
        trials = result["trials"]
        dead = [i for i, t in enumerate(trials) if t["goodput_per_s"] == 0]
        self.assertTrue(dead, run.stdout)
        self.assertLessEqual(len(trials) - dead[0], 2, run.stdout)
        self.assertEqual(trials[-1]["unanswered"], trials[-1]["answered"], run.stdout)



class StopProjectVersionFaults(unittest.TestCase):
    """The model iuprobe started must be stopped when StopProjectVersion fails for a while, and a
    user must be told exactly how to stop it when it fails for good. The emulator answers its
    first StopProjectVersion calls with the injected errors (its stop_failures setting)."""

    def run_with_stop_failures(self, failures):
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "emulator.json"
            config.write_text(json.dumps({"models": [{"status": "STOPPED", "start_time": "300ms",
                                                      "stop_time": "300ms", "stop_failures": failures}]}))
            images = write_images(Path(tmp) / "images", 2)
            with Emulator("--config", str(config)) as emulator:
                run = run_iuprobe("run", "--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                                  "--images", str(images), "--rate", "10", "--duration", "2s", "--start-model",
                                  "--iu", "1", "--poll-interval", "100ms", "--out", str(Path(tmp) / "out"),
                                  env=emulator_env())
                status = emulator.status()
                stops = {outcome: emulator.count("StopProjectVersion", outcome)
                         for outcome in ("ok", *set(failures))}
            result = read_json(Path(tmp) / "out" / "result.json")
        return run, status, stops, result

    def test_transient_stop_failures_are_retried_with_backoff_until_the_model_stops(self):
        run, status, stops, result = self.run_with_stop_failures(["ThrottlingException", "InternalServerError"])
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(stops, {"ok": 1, "ThrottlingException": 1, "InternalServerError": 1})
        self.assertIn(status, ("STOPPING", "STOPPED"))
        # The backoff doubles from the poll interval: 100 ms, then 200 ms.
        self.assertIn("retrying StopProjectVersion in 100ms (attempt 2 of 8", run.stdout)
        self.assertIn("retrying StopProjectVersion in 200ms (attempt 3 of 8", run.stdout)
        self.assertIn("IU-minutes billed", run.stdout)
        self.assertEqual(result["summary"]["outcomes"]["ok"], 20)

    def test_a_stop_that_cannot_succeed_names_the_command_that_stops_the_model(self):
        run, status, stops, result = self.run_with_stop_failures(["AccessDeniedException"])
        self.assertNotEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(stops, {"ok": 0, "AccessDeniedException": 1})  # not retried: it would recur
        self.assertEqual(status, "RUNNING")
        self.assertIn("THE MODEL MAY STILL BE RUNNING AND BILLING", run.stderr)
        self.assertIn("iuprobe model stop --project-version-arn", run.stderr)
        self.assertNotIn("retrying", run.stdout)
        self.assertEqual(result["summary"]["outcomes"]["ok"], 20)  # the run's figures are kept


if __name__ == "__main__":
    unittest.main()
