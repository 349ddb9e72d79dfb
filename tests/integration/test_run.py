# SPDX-License-Identifier: Apache-2.0
"""`iuprobe run` against real servers on loopback: nginx's limit_req as a throttle with a known
rate, TLS with a self-signed certificate, and Ctrl-C / SIGTERM leaving a partial result."""

import collections
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import IUPROBE, HAProxy, Nginx, haproxy_window_limit, read_json, run_iuprobe, self_signed_certificate


class ThrottleAgainstNginxLimitReq(unittest.TestCase):
    def test_throttled_counts_match_what_nginx_answered(self):
        # nginx admits 100 requests/s from one client and answers the rest 429 at once. The truth
        # is nginx's own access log: every answer iuprobe counts must be one nginx logged, with
        # the same status. How many nginx admits depends on how evenly the requests arrive (a
        # request 9.9 ms after the last admitted one is refused), so the rate itself is checked
        # against nginx's configuration only from above: it never admits more than 100/s.
        with Nginx("""
                listen 127.0.0.1:{port};
                access_log {dir}/access.log statuses;
                location / { limit_req zone=perip nodelay; limit_req_status 429; root {www}; try_files /ok =404; }
                """, http_extra="limit_req_zone $binary_remote_addr zone=perip:1m rate=100r/s;\n"
                                "log_format statuses '$status';") as nginx, \
                tempfile.TemporaryDirectory() as out:
            run = run_iuprobe("run", "--url", nginx.url(), "--rate", "300", "--duration", "6s",
                              "--threads", "1", "--out", out, "--quiet")
            self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
            result = read_json(Path(out) / "result.json")
            summary = result["summary"]
            # nginx logs each request just after answering it: give the last lines a moment.
            answered = summary["outcomes"]["ok"] + summary["outcomes"]["throttled"]
            for _ in range(50):
                logged = collections.Counter(nginx.access_log().split())
                if sum(logged.values()) >= answered:
                    break
                time.sleep(0.05)
            self.assertEqual(summary["outcomes"]["ok"], logged["200"], logged)
            self.assertEqual(summary["outcomes"]["throttled"], logged["429"], logged)
            self.assertEqual(sum(logged.values()), logged["200"] + logged["429"], logged)
            self.assertEqual(summary["outcomes"]["client_error"], 0)
            self.assertEqual(summary["statuses"].get("429", 0), summary["outcomes"]["throttled"])
            rates = summary["rates_per_s"]
            self.assertLessEqual(rates["goodput"], 101, rates)
            self.assertGreater(rates["throttled"], 0, rates)  # 300/s offered
            self.assertIn("throttled", run.stdout)
            lines = (Path(out) / "history.csv").read_text().splitlines()
            self.assertGreaterEqual(len(lines), 7)  # header + one row per second


class EarlyHintsBeforeTheAnswer(unittest.TestCase):
    """HAProxy sends a 103 Early Hints (`http-request early-hint`) before each 200. A client must
    pass over any number of interim answers and take the final one (RFC 9110, section 15.2):
    taken as the answer, each 103 would leave its 200 to be read as the next request's."""

    def test_every_request_is_counted_by_its_final_answer(self):
        frontend = """
            http-request early-hint Link "</style.css>; rel=preload"
            http-request return status 200 content-type text/plain string ok
            """
        with HAProxy(frontend) as haproxy, tempfile.TemporaryDirectory() as out:
            # That the 103 is really sent, seen by a plain socket rather than by iuprobe.
            with socket.create_connection(("127.0.0.1", haproxy.port), timeout=5) as conn:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                raw = b""
                while chunk := conn.recv(65536):
                    raw += chunk
            self.assertTrue(raw.startswith(b"HTTP/1.1 103 Early Hints\r\n"), raw)
            self.assertIn(b"\r\n\r\nHTTP/1.1 200 OK\r\n", raw)

            run = run_iuprobe("run", "--url", haproxy.url(), "--rate", "200", "--duration", "2s",
                              "--out", out, "--quiet")
            self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
            summary = read_json(Path(out) / "result.json")["summary"]
            self.assertGreaterEqual(summary["sent"], 380, summary)  # 400 scheduled
            self.assertEqual(summary["answered"], summary["sent"], summary)
            self.assertEqual(summary["outcomes"]["ok"], summary["sent"], summary)


class AnswersBeforeTheBody(unittest.TestCase):
    """HAProxy answers from its frontend once it has read a request's head (`http-request
    return` and `deny`, no request buffering) and closes without reading the upload, as gateways
    do with early 413s and 429s. iuprobe must read those answers while it is still sending, and
    count each by its status. The limit: HAProxy's own sliding-window request rate per source,
    50/s."""

    def test_early_answers_to_large_uploads_count_by_their_status(self):
        with HAProxy(haproxy_window_limit(50)) as haproxy, tempfile.TemporaryDirectory() as out:
            body = Path(out) / "upload.bin"
            body.write_bytes(os.urandom(1 << 20))  # more than HAProxy reads before it answers
            for rate, expect_throttled in (("10", False), ("100", True)):
                run = run_iuprobe("run", "--url", haproxy.url(), "--body-file", str(body), "--rate", rate,
                                  "--duration", "3s", "--out", out, "--quiet")
                self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
                summary = read_json(Path(out) / "result.json")["summary"]
                outcomes = summary["outcomes"]
                self.assertEqual(outcomes["transport_error"], 0, summary)
                self.assertEqual(outcomes["timeout"], 0, summary)
                self.assertGreater(outcomes["ok"], 0, summary)
                if expect_throttled:
                    self.assertGreater(outcomes["throttled"], 0, summary)
                else:
                    self.assertEqual(outcomes["throttled"], 0, summary)


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="iuprobe-tls-"))
        cls.cert, cls.key = self_signed_certificate(cls.dir)
        cls.nginx = Nginx(f"""
            listen 127.0.0.1:{{port}} ssl;
            ssl_certificate {cls.cert};
            ssl_certificate_key {cls.key};
            location / {{ return 200 "secure"; }}
            """)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()

    def run_against(self, url, *extra):
        with tempfile.TemporaryDirectory() as out:
            run = run_iuprobe("run", "--url", url, "--rate", "20", "--duration", "1s", "--out", out, "--quiet",
                              *extra)
            result = read_json(Path(out) / "result.json") if run.returncode == 0 else None
            return run, result

    def test_self_signed_certificate_is_refused_by_default(self):
        run, _ = self.run_against(self.nginx.url(scheme="https"))
        self.assertEqual(run.returncode, 4, run.stdout)
        self.assertIn("TLS handshake", run.stderr)
        self.assertIn("--ca-file", run.stderr)
        self.assertIn("--insecure", run.stderr)

    def test_insecure_skips_verification(self):
        run, result = self.run_against(self.nginx.url(scheme="https"), "--insecure")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(result["summary"]["outcomes"]["ok"], 20)

    def test_ca_file_makes_the_certificate_trusted(self):
        run, result = self.run_against(self.nginx.url(scheme="https"), "--ca-file", str(self.cert))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(result["summary"]["outcomes"]["ok"], 20)

    def test_openssl_variables_name_the_trusted_certificates(self):
        # SSL_CERT_FILE (a bundle) and SSL_CERT_DIR (a directory of hashed links, as c_rehash or
        # `openssl rehash` make them) are honoured as OpenSSL honours them, instead of the
        # system's bundle.
        url = self.nginx.url(scheme="https")
        with tempfile.TemporaryDirectory() as certs:
            subprocess.run(["cp", str(self.cert), certs], check=True)
            subprocess.run(["openssl", "rehash", certs], check=True, capture_output=True)
            for name, value in (("SSL_CERT_FILE", str(self.cert)), ("SSL_CERT_DIR", certs)):
                env = {**os.environ, name: value}
                with tempfile.TemporaryDirectory() as out:
                    run = run_iuprobe("run", "--url", url, "--rate", "20", "--duration", "1s", "--out", out,
                                      "--quiet", env=env)
                    self.assertEqual(run.returncode, 0, f"{name}: {run.stderr}")
                    self.assertEqual(read_json(Path(out) / "result.json")["summary"]["outcomes"]["ok"], 20)

    def test_host_name_must_match_the_certificate(self):
        # The certificate names localhost and 127.0.0.1; ::1 is not on it... so use a name it lacks.
        other = Path(tempfile.mkdtemp(prefix="iuprobe-tls-other-"))
        cert, key = self_signed_certificate(other, names=("other.example",), ips=())
        with Nginx(f"""
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {cert};
                ssl_certificate_key {key};
                location / {{ return 200 "x"; }}
                """) as nginx:
            run, _ = self.run_against(nginx.url(scheme="https"), "--ca-file", str(cert))
            self.assertEqual(run.returncode, 4, run.stdout)
            self.assertIn("TLS handshake", run.stderr)


class Interruption(unittest.TestCase):
    def interrupt_after(self, sig, seconds, expected_exit, expected_name):
        with Nginx("listen 127.0.0.1:{port}; location / { return 200 'ok'; }") as nginx, \
                tempfile.TemporaryDirectory() as out:
            process = subprocess.Popen([IUPROBE, "run", "--url", nginx.url(), "--rate", "100", "--duration", "60s",
                                        "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(seconds)
            process.send_signal(sig)
            stdout, stderr = process.communicate(timeout=15)
            self.assertEqual(process.returncode, expected_exit, stderr)
            self.assertIn("INTERRUPTED", stdout)
            result = read_json(Path(out) / "result.json")
            self.assertEqual(result["interrupted"], expected_name)
            self.assertGreaterEqual(len(result["windows"]), 2)
            self.assertLess(result["summary"]["duration_s"], 10)
            self.assertGreater(result["summary"]["outcomes"]["ok"], 150)
            self.assertEqual(result["summary"]["outcomes"]["transport_error"], 0)

    def test_ctrl_c_writes_a_partial_result_and_exits_130(self):
        self.interrupt_after(signal.SIGINT, 2.5, 130, "SIGINT")

    def test_sigterm_writes_a_partial_result_and_exits_143(self):
        self.interrupt_after(signal.SIGTERM, 2.5, 143, "SIGTERM")


class ClosedLoop(unittest.TestCase):
    def test_users_steps_report_each_step(self):
        with Nginx("listen 127.0.0.1:{port}; location / { return 200 'ok'; }") as nginx, \
                tempfile.TemporaryDirectory() as out:
            run = run_iuprobe("run", "--url", nginx.url(), "--users", "1,4", "--step-duration", "1s",
                              "--out", out, "--quiet")
            self.assertEqual(run.returncode, 0, run.stderr)
            result = read_json(Path(out) / "result.json")
            steps = result["steps"]
            self.assertEqual([s["users"] for s in steps], [1, 4])
            self.assertGreater(steps[0]["outcomes"]["ok"], 100)
            self.assertTrue(result["config"]["load"]["closed_loop"])


if __name__ == "__main__":
    unittest.main()
