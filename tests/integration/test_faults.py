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

from harness import IUPROBE, Nginx, probe_result


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


if __name__ == "__main__":
    unittest.main()
