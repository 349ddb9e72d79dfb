# SPDX-License-Identifier: Apache-2.0
"""Bad input gets a clear message that names the input, and a non-zero exit."""

import http.server
import os
import resource
import socketserver
import tempfile
import threading
import unittest
from pathlib import Path

from harness import Nginx, free_port, read_json, run_iuprobe

SHAPE = ["--rate", "10", "--duration", "1s", "--quiet"]


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nginx = Nginx("listen 127.0.0.1:{port}; location / { return 200 'ok'; }")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = str(Path(cls.tmp.name) / "out")

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.tmp.cleanup()

    def expect_error(self, args, exit_code, *needles):
        run = run_iuprobe("run", *args, "--out", self.out, timeout=60)
        self.assertEqual(run.returncode, exit_code, f"{args}: {run.stdout}{run.stderr}")
        for needle in needles:
            self.assertIn(needle, run.stderr, f"{args}")
        return run

    def test_nonsense_values_name_the_flag(self):
        url = ["--url", self.nginx.url()]
        self.expect_error(url + ["--rate", "-5", "--duration", "1s"], 2, "--rate", "negative")
        self.expect_error(url + ["--rate", "5", "--duration", "abc"], 2, "--duration", "'abc'")
        self.expect_error(url + ["--rate", "5", "--duration", "10parsecs"], 2, "--duration", "parsecs")
        self.expect_error(url + ["--rate", "5"], 2, "--duration")
        self.expect_error(url + ["--steps", "5,x", "--step-duration", "1s"], 2, "--steps")
        self.expect_error(url + SHAPE + ["--threads", "0"], 2, "--threads")
        self.expect_error(url + SHAPE + ["--arrivals", "bursty"], 2, "--arrivals")
        self.expect_error(["--url", "not-a-url"] + SHAPE, 2, "--url", "not an absolute URL")
        self.expect_error(["--url", "ftp://127.0.0.1/"] + SHAPE, 2, "scheme 'ftp'")

    def test_unknown_host(self):
        self.expect_error(["--url", "http://no-such-host.invalid/"] + SHAPE, 4, "cannot resolve host 'no-such-host.invalid'")

    def test_refused_connection(self):
        port = free_port()
        self.expect_error(["--url", f"http://127.0.0.1:{port}/"] + SHAPE, 4, "connection refused", str(port))

    def test_unreachable_host(self):
        # TEST-NET-1 is never routed: depending on the network (a sandbox may reject it at once)
        # this is a timeout, "unreachable" or a refusal; the message must say which, for that address.
        run = self.expect_error(["--url", "http://192.0.2.1:81/", "--connect-timeout", "1s"] + SHAPE, 4, "192.0.2.1:81")
        self.assertTrue(any(reason in run.stderr for reason in ("within 1s", "unreachable", "refused")), run.stderr)

    def test_body_problems_name_the_file(self):
        url = ["--url", self.nginx.url()] + SHAPE
        empty = Path(self.tmp.name) / "empty"
        empty.mkdir(exist_ok=True)
        # Input files that cannot be used: exit code 3.
        self.expect_error(url + ["--body-dir", str(empty)], 3, str(empty), "no files")
        self.expect_error(url + ["--body-file", str(Path(self.tmp.name) / "missing.jpg")], 3, "missing.jpg", "no such file")
        self.expect_error(url + ["--body-file", str(empty)], 3, "not a regular file")
        big = Path(self.tmp.name) / "big.bin"
        big.write_bytes(b"x" * 3000)
        self.expect_error(url + ["--body-file", str(big), "--max-body-size", "1KB"], 3, "big.bin", "--max-body-size")
        if os.geteuid() != 0:  # root can read anything
            secret = Path(self.tmp.name) / "secret.bin"
            secret.write_bytes(b"s")
            secret.chmod(0)
            self.expect_error(url + ["--body-file", str(secret)], 3, "secret.bin", "cannot open")

    def test_more_connections_than_file_descriptors(self):
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        run = run_iuprobe("run", "--url", self.nginx.url(), *SHAPE, "--max-connections", "5000", "--out", self.out,
                          preexec_fn=low_limit)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("--max-connections", run.stderr)
        self.assertIn("hard limit is 256", run.stderr)

    def test_soft_limit_is_raised_when_the_hard_limit_allows(self):
        def low_soft_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 8192))
        run = run_iuprobe("run", "--url", self.nginx.url(), *SHAPE, "--max-connections", "2000", "--out", self.out,
                          preexec_fn=low_soft_limit)
        self.assertEqual(run.returncode, 0, run.stderr)


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        RecordingHandler.bodies.append((self.headers.get("Content-Type"), self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Bodies(unittest.TestCase):
    def test_body_dir_files_are_sent_round_robin_with_headers(self):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RecordingHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as out:
                for name, content in (("a.bin", b"A" * 10), ("b.bin", b"B" * 20), ("c.bin", b"C" * 30)):
                    (Path(d) / name).write_bytes(content)
                port = server.server_address[1]
                run = run_iuprobe("run", "--url", f"http://127.0.0.1:{port}/infer", "--body-dir", d,
                                  "--header", "Content-Type: application/octet-stream", "--rate", "30",
                                  "--duration", "1s", "--threads", "1", "--out", out, "--quiet")
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(read_json(Path(out) / "result.json")["summary"]["outcomes"]["ok"], 30)
        finally:
            server.shutdown()
        sizes = sorted(len(body) for _, body in RecordingHandler.bodies)
        self.assertEqual(sizes, [10] * 10 + [20] * 10 + [30] * 10)
        self.assertEqual({t for t, _ in RecordingHandler.bodies}, {"application/octet-stream"})


if __name__ == "__main__":
    unittest.main()
