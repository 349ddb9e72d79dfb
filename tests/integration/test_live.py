# SPDX-License-Identifier: Apache-2.0
"""The live page (--web): a real browser against `iuprobe demo --web`, the event stream, the Stop
button's path (partial result, model stopped), access control and bad flags."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

from harness import (IUPROBE, Emulator, emulator_env, exchange, raise_fd_limit, read_json, read_stream, request,
                     rss_mb, run_iuprobe, write_images)

BROWSER_DIR = os.environ.get("IUPROBE_BROWSER_DIR", "")
ARTIFACTS = Path(os.environ.get("IUPROBE_ARTIFACTS", tempfile.gettempdir()))


class Running:
    """iuprobe started in the background; reads its stdout on a thread, so that it never blocks,
    and finds the dashboard's address in it."""

    def __init__(self, *args: str, env=None):
        self.process = subprocess.Popen([IUPROBE, *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env)
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}: {''.join(self.lines)}{self.process.stderr.read()}")

    def dashboard(self) -> str:
        return self.wait_for(r"^dashboard  (http://\S+)").group(1)

    def finish(self, timeout: float = 120) -> tuple:
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return code, "".join(self.lines), self.process.stderr.read()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


def watched_run(emulator: Emulator, out: str) -> Running:
    """A slow `iuprobe run` against the emulator's /metrics, with a live page on a free port."""
    return Running("run", "--url", emulator.url + "/metrics", "--rate", "5", "--duration", "30s",
                   "--out", out, "--quiet", "--web", "127.0.0.1:0")


class LivePageInChromium(unittest.TestCase):
    def test_demo_page_fills_its_charts_and_stop_ends_the_run_with_a_partial_result(self):
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run scripts/setup.sh")
        script = Path(__file__).resolve().parents[1] / "browser" / "live_page.mjs"
        self.assertTrue((Path(BROWSER_DIR) / "node_modules" / "playwright-core").is_dir(),
                        f"playwright-core is not installed in {BROWSER_DIR!r}: build the tests first")
        shots = ARTIFACTS
        shots.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "demo"
            demo = Running("demo", "--web", "127.0.0.1:0", "--out", str(out))
            try:
                url = demo.dashboard()
                self.assertRegex(url, r"^http://127\.0\.0\.1:\d+/$")
                # The browser script runs from a copy next to its node_modules.
                shutil.copy(script, Path(BROWSER_DIR) / script.name)
                browser = subprocess.run([node, str(Path(BROWSER_DIR) / script.name), url, str(shots),
                                          shutil.which("chromium") or "/usr/bin/chromium"],
                                         capture_output=True, text=True, timeout=240)
                self.assertEqual(browser.returncode, 0, browser.stderr[-3000:] + browser.stdout[-2000:])
                seen = json.loads(browser.stdout.strip().splitlines()[-1])
                code, stdout, stderr = demo.finish()
            finally:
                demo.kill()

            # The page loaded, drew its charts and received points as the run went on.
            self.assertEqual(seen["page_errors"], [])
            self.assertEqual(seen["console_errors"], [])
            self.assertEqual(seen["first"]["state"], "running")
            self.assertGreaterEqual(seen["first"]["charts"], 3)
            self.assertGreater(int(seen["later"]["points"]), int(seen["first"]["points"]))
            self.assertGreater(seen["later"]["time_points"], seen["first"]["time_points"])
            self.assertEqual(seen["later"]["charts"], 4, "the probe's rate curve appears with its first step")
            self.assertEqual(seen["tiles"], 10)
            self.assertGreaterEqual(seen["step_rows"], 2)
            self.assertIn("TPS", seen["bracket"])
            self.assertTrue(seen["generator"])
            # The connections chart is continuous: the probe's session keeps its pool from step to
            # step (a chain of cold starts dropped to zero between steps).
            self.assertGreaterEqual(len(seen["connections"]), 5, seen["connections"])
            self.assertGreater(min(seen["connections"]), 0, seen["connections"])
            # A tab opened mid-run received the history so far.
            self.assertGreaterEqual(int(seen["second_tab"]["points"]), int(seen["later"]["points"]))
            self.assertGreaterEqual(int(seen["second_tab"]["steps"]), 2)
            # Stop: the run ended as Ctrl-C ends it, and the page shows the partial result.
            self.assertEqual(seen["final"]["state"], "stopped")
            self.assertTrue(seen["stop_disabled"])
            self.assertEqual([l["text"] for l in seen["links"]], ["report.html", "result.json"])
            self.assertTrue(all(l["href"].startswith("blob:") for l in seen["links"]))
            self.assertEqual(seen["report_title"], "iuprobe probe report")
            self.assertEqual(seen["report_charts"], 4)
            self.assertEqual(code, 130, stdout + stderr)
            result = read_json(out / "result.json")
            self.assertTrue(result["interrupted"])
            self.assertGreaterEqual(len(result["trials"]), 2)
            self.assertTrue((out / "report.html").is_file())
            # The model the demo's probe started was stopped on the way out.
            self.assertRegex(stdout, r"stopping the model|model .* STOPP")
            self.assertRegex(stdout, r"the model is (STOPPING|STOPPED)")
            for name in ("live-running.png", "live-stopped.png"):
                self.assertGreater((shots / name).stat().st_size, 30000, f"{name} is blank")
                print(f"\n  screenshot {shots / name}", end=" ", flush=True)


class LiveRunWithToken(unittest.TestCase):
    def test_run_with_a_token_streams_windows_and_stops_from_the_api_stopping_its_model(self):
        with tempfile.TemporaryDirectory() as tmp, \
                Emulator("--status", "STOPPED", "--start-time", "1s", "--stop-time", "1s") as emulator:
            images = write_images(Path(tmp) / "images", 2)
            run = Running("run", "--project-version-arn", emulator.model_arn, "--images", str(images),
                          "--endpoint-url", emulator.url, "--start-model", "--iu", "1",
                          "--poll-interval", "200ms", "--rate", "20", "--duration", "60s",
                          "--out", str(Path(tmp) / "out"), "--quiet",
                          "--web", "127.0.0.1:0", "--web-allow-remote", env=emulator_env())
            try:
                url = run.dashboard()
                token = re.search(r"\?token=([0-9a-f]{32})$", url).group(1)
                # Every request needs the token.
                self.assertEqual(request(url, "/")[0], 401)
                self.assertEqual(request(url, "/events")[0], 401)
                self.assertEqual(request(url, "/api/stop", "POST")[0], 401)
                status, headers, page = request(url, f"/?token={token}")
                self.assertEqual(status, 200)
                self.assertIn("iuprobe · live", page)
                # Wait for a few seconds of load, then read the stream's history.
                headers, events = read_stream(url, f"/events?token={token}", "event: window", 3)
                self.assertEqual(headers["Content-Type"], "text/event-stream")
                self.assertIn("event: hello", events)
                self.assertGreaterEqual(events.count("event: window"), 3, events)
                window = json.loads(re.search(r"event: window\ndata: (.*)\n", events).group(1))
                for key in ("t_s", "offered_per_s", "goodput_per_s", "throttled_per_s", "p95_ms",
                            "in_flight", "connections", "late_fraction", "peak_worker_cpu"):
                    self.assertIn(key, window)
                # A POST from another site cannot stop the run; the page's own can.
                self.assertEqual(request(url, f"/api/stop?token={token}", "POST",
                                         {"Origin": "https://evil.example"})[0], 403)
                status, _, body = request(url, "/api/stop", "POST", {"Authorization": f"Bearer {token}"})
                self.assertEqual(status, 202, body)
                code, stdout, stderr = run.finish()
            finally:
                run.kill()
            self.assertEqual(code, 130, stdout + stderr)
            result = read_json(Path(tmp) / "out" / "result.json")
            self.assertEqual(result["interrupted"], "SIGINT")
            self.assertLess(result["summary"]["duration_s"], 50)
            self.assertTrue(result["model"]["started_by_iuprobe"])
            self.assertIn(emulator.status(), ("STOPPING", "STOPPED"))


class LiveAccess(unittest.TestCase):
    def test_only_the_pages_paths_answer_and_other_host_names_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            run = watched_run(emulator, tmp)
            try:
                url = run.dashboard()
                self.assertEqual(request(url, "/")[0], 200)
                for path in ("/etc/passwd", "/../../etc/passwd", "/report.html", "/result.json", "/web/live.js"):
                    self.assertEqual(request(url, path)[0], 404, path)
                # DNS rebinding: a page served by another name that resolves to 127.0.0.1.
                status, _, body = request(url, "/events", headers={"Host": "evil.example:8089"})
                self.assertEqual(status, 403)
                self.assertIn("evil.example", body)
                self.assertEqual(request(url, "/", headers={"Host": "localhost"})[0], 200)
                run.process.send_signal(signal.SIGINT)
                code, stdout, stderr = run.finish()
            finally:
                run.kill()
            self.assertEqual(code, 130, stderr)


class LiveListenerAbuse(unittest.TestCase):
    def test_idle_slow_oversized_and_garbage_connections_do_not_lock_out_a_viewer(self):
        """The page serves at most 256 connections. 2,000 idle ones, 100 of them trickling a
        header, must not keep a page from opening, and the bad requests are answered and closed,
        with iuprobe's memory bounded."""
        raise_fd_limit(4096)
        with tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            run = watched_run(emulator, tmp)
            sockets = []
            try:
                url = run.dashboard()
                host = url.split("//", 1)[1].split("/", 1)[0]
                port = int(host.rsplit(":", 1)[1])
                before = rss_mb(run.process.pid)
                for i in range(2000):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    if i < 100:
                        s.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")  # slow loris: never finishes
                    sockets.append(s)
                # A page opened now is served, and its event stream flows.
                self.assertEqual(request(url, "/")[0], 200)
                _, text = read_stream(url, "/events", "event: window", 2)
                self.assertGreaterEqual(text.count("event: window"), 2)
                ok = f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                # A 100 MB body, refused before it is read.
                answer = exchange(port, f"POST /api/stop HTTP/1.1\r\nHost: {host}\r\n"
                                        "Content-Length: 100000000\r\n\r\n".encode() + b"x" * 65536)
                self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
                # Oversized headers.
                answer = exchange(port, b"GET / HTTP/1.1\r\nX: " + b"z" * 40000 + b"\r\n\r\n")
                self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:100])
                # Garbage pipelined after a good request: the page, then 400, then the close.
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    s.sendall(ok + b"\x16\x03\x01 not HTTP\r\n\r\n")
                    answers = b""
                    while chunk := s.recv(65536):
                        answers += chunk
                self.assertTrue(answers.startswith(b"HTTP/1.1 200"), answers[:100])
                self.assertIn(b"HTTP/1.1 400", answers)
                self.assertEqual(request(url, "/")[0], 200)
                during = rss_mb(run.process.pid)
                run.process.send_signal(signal.SIGINT)
                code, stdout, stderr = run.finish()
            finally:
                for s in sockets:
                    s.close()
                run.kill()
            self.assertEqual(code, 130, stderr)
            print(f"\n  iuprobe RSS {before:.0f} MB before, {during:.0f} MB during the abuse", end=" ", flush=True)
            self.assertLess(during, before + 50)


class LiveFlags(unittest.TestCase):
    def test_bad_web_flags_are_named_and_nothing_runs(self):
        cases = [
            (["--web", "0.0.0.0:0"], "--web-allow-remote"),
            (["--web", "8089"], "--web '8089'"),
            (["--web", "localhost:8089"], "numeric address"),
        ]
        for flags, message in cases:
            with self.subTest(flags=flags), tempfile.TemporaryDirectory() as tmp:
                r = run_iuprobe("run", "--url", "http://127.0.0.1:9/", "--rate", "1", "--duration", "1s",
                                "--out", tmp, *flags)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(message, r.stderr)
                self.assertFalse((Path(tmp) / "result.json").exists())

    def test_a_port_in_use_is_named(self):
        with tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            holder = watched_run(emulator, tmp)
            try:
                url = holder.dashboard()
                port = re.search(r":(\d+)/", url).group(1)
                r = run_iuprobe("probe", "--url", "http://127.0.0.1:9/", "--out", tmp, "--web", f"127.0.0.1:{port}")
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(f"--web 127.0.0.1:{port}", r.stderr)
                self.assertIn("port 0", r.stderr)
            finally:
                holder.kill()


if __name__ == "__main__":
    unittest.main()
