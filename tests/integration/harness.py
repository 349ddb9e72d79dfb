# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for iuprobe's integration tests: find the binary, start real servers on
loopback ports picked at run time, run iuprobe and read its result files."""

import base64
import contextlib
import http.client
import threading
import json
import re
import os
import random
import struct
import zlib
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

IUPROBE = os.environ.get("IUPROBE_BIN") or str(
    Path(__file__).resolve().parents[2] / "build" / "dev" / "src" / "app" / "iuprobe")


def free_port() -> int:
    """A port nothing listens on right now, for servers that cannot bind port 0 themselves:
    chosen at random below the kernel's ephemeral range. A port from that range (what binding
    port 0 returns) could be taken, between this check and the server's bind, by anything else
    that binds port 0 (an emulator or iuprobe's live page in a test running alongside); the
    server then failed to bind while the test talked to that other listener (CI: the HAProxy
    fixed-window test probed an emulator and got "400 UnknownOperationException")."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.SystemRandom()
    for _ in range(100):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port below {low} after 100 tries")


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process `pid` has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcess:
    """A server run as a child process in its own temporary directory: stopped with
    `stop_signal` (then killed after 5 s) and its directory removed, also as a context manager."""
    stop_signal = signal.SIGTERM

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def launch(self, argv: list, name: str) -> None:
        """Starts `argv` and waits for it to listen on self.port; on failure, its stderr."""
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.process.kill()
            _, err = self.process.communicate()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise RuntimeError(f"{name} did not start: {err}")

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Nginx(ServerProcess):
    """nginx on a free loopback port with the given `server { ... }` body. In the body, {port}
    is the port, {www} a directory holding a file `ok` (content "ok") and {dir} nginx's own
    directory (for an access log, read back with access_log()). Note that `return`
    answers in nginx's rewrite phase, before limit_req/limit_conn: throttled locations must
    serve content instead (try_files /ok =404)."""
    stop_signal = signal.SIGQUIT  # graceful: finishes requests in flight

    def __init__(self, server_body: str, http_extra: str = ""):
        self.dir = Path(tempfile.mkdtemp(prefix="iuprobe-nginx-"))
        self.dir.chmod(0o755)  # nginx workers drop root privileges and must read {www}
        self.port = free_port()
        (self.dir / "www").mkdir()
        (self.dir / "www" / "ok").write_text("ok")
        server_body = server_body.replace("{www}", str(self.dir / "www")).replace("{dir}", str(self.dir))
        conf = textwrap.dedent("""\
            worker_processes 1;
            daemon off;
            error_log {dir}/error.log warn;
            pid {dir}/nginx.pid;
            events {{ worker_connections 4096; }}
            http {{
              access_log off;
              client_body_temp_path {dir}/body;
              proxy_temp_path {dir}/proxy;
              fastcgi_temp_path {dir}/fastcgi;
              uwsgi_temp_path {dir}/uwsgi;
              scgi_temp_path {dir}/scgi;
              keepalive_requests 100000;
              {http_extra}
              server {{
                {server_body}
              }}
            }}
            """).format(dir=self.dir, http_extra=http_extra, server_body=server_body.replace("{port}", str(self.port)))
        (self.dir / "nginx.conf").write_text(conf)
        self.process = subprocess.Popen(["nginx", "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError("nginx did not start: " + (self.dir / "error.log").read_text(errors="replace"))

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def worker_cpu_seconds(self) -> float:
        """CPU seconds used so far by nginx's worker processes (one, as configured here; the master
        does no serving)."""
        master = self.process.pid
        workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return sum(cpu_seconds(int(pid)) for pid in workers)

    def access_log(self) -> str:
        """The access log a server body wrote to {dir}/access.log, once nginx has flushed it (it
        writes each line as the request ends; a graceful stop is not needed)."""
        return (self.dir / "access.log").read_text()


class HAProxy(ServerProcess):
    """HAProxy on a free loopback port with the given frontend body (after `bind`). In the
    body, {port} is the port."""

    def __init__(self, frontend_body: str):
        self.dir = Path(tempfile.mkdtemp(prefix="iuprobe-haproxy-"))
        self.port = free_port()
        conf = textwrap.dedent("""\
            global
              maxconn 4096
            defaults
              mode http
              timeout connect 2s
              timeout client 10s
              timeout server 10s
            frontend front
              bind 127.0.0.1:{port}
            """).format(port=self.port)
        body = textwrap.dedent(frontend_body).replace("{port}", str(self.port)).strip("\n")
        conf += textwrap.indent(body, "  ") + "\n"  # haproxy refuses a last line without one
        (self.dir / "haproxy.cfg").write_text(conf)
        self.launch(["haproxy", "-db", "-f", str(self.dir / "haproxy.cfg")], "haproxy")


class Varnish(ServerProcess):
    """Varnish (varnishd in the foreground, no jail) on a free loopback port with the given VCL
    (after the `vcl 4.1;` line). It serves no backend: the VCL answers with synth()."""

    def __init__(self, vcl_body: str):
        self.dir = Path(tempfile.mkdtemp(prefix="iuprobe-varnish-"))
        self.port = free_port()
        (self.dir / "main.vcl").write_text("vcl 4.1;\n" + textwrap.dedent(vcl_body))
        self.launch(["varnishd", "-F", "-j", "none", "-n", str(self.dir / "work"), "-a", f"127.0.0.1:{self.port}",
                     "-f", str(self.dir / "main.vcl"), "-s", "malloc,32m", "-p", "thread_pool_min=50"], "varnishd")


def varnish_throttle(limit: int, period_s: int) -> str:
    """VCL: vmod_vsthrottle's token bucket, `limit` requests per `period_s` seconds per client
    (so a rate of limit / period and a burst of `limit`), 429 beyond it, 200 "ok" otherwise."""
    return f"""
        import vsthrottle;
        backend default none;
        sub vcl_recv {{
          if (vsthrottle.is_denied(client.identity, {limit}, {period_s}s)) {{
            return (synth(429, "Too Many Requests"));
          }}
          return (synth(200, "ok"));
        }}
        """


def haproxy_window_limit(limit: int) -> str:
    """An HAProxy frontend body: a limit of `limit` requests per source over a sliding second
    (HAProxy's http_req_rate), which counts the requests it denies too (429), and a 200 "ok" for
    the rest, both answered from the frontend as soon as the head is read."""
    return f"""
        stick-table type ip size 1k expire 30s store http_req_rate(1s)
        http-request track-sc0 src
        http-request deny deny_status 429 if {{ sc_http_req_rate(0) gt {limit} }}
        http-request return status 200 content-type text/plain string ok
        """


def haproxy_fixed_window(limit: int) -> str:
    """An HAProxy frontend body: at most `limit` requests per clock second (a fixed window: the
    stick table is keyed by the second, `date`, so each second counts from zero), 429 for the
    rest, answered from the frontend. Evenly spaced, `limit` per second passes; across a
    window's edge, twice `limit` can pass in a short time."""
    return f"""
        stick-table type integer size 1k expire 10s store http_req_cnt
        http-request track-sc0 date
        http-request deny deny_status 429 if {{ sc_http_req_cnt(0) gt {limit} }}
        http-request return status 200 content-type text/plain string ok
        """


def reference_run(target: list, rate: float, seconds: float, env=None, warmup: float = 0,
                  arrivals: str = "uniform") -> dict:
    """The reference method for a claimed rate, independent of the search: `iuprobe run`, evenly
    spaced (or Poisson arrivals) and open-loop at `rate` for `seconds` (after `warmup` seconds at
    the rate, sent but not counted), from whatever state the server is in. Returns the counts of
    ok, throttled and error answers, and the goodput per second."""
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([IUPROBE, "run", *target, "--rate", f"{rate:.3f}", "--duration", f"{seconds:g}s",
                              *(["--warmup", f"{warmup:g}s"] if warmup else []), "--arrivals", arrivals,
                              "--quiet", "--out", out],
                             capture_output=True, text=True, env=env, timeout=seconds + warmup + 60)
        path = Path(out) / "result.json"
        if not path.exists():
            raise RuntimeError(f"iuprobe run failed: {run.stdout}{run.stderr}")
        summary = json.loads(path.read_text())["summary"]
    outcomes = summary["outcomes"]
    return {"ok": outcomes["ok"], "throttled": outcomes["throttled"],
            "errors": summary["answered"] - outcomes["ok"] - outcomes["throttled"],
            "goodput": summary["rates_per_s"]["goodput"]}


def h2load_even(url: str, rate: float, seconds: float) -> dict:
    """An independent reference sender: h2load (nghttp2) over HTTP/1.1 on one connection, evenly
    spaced at `rate` for `seconds`. Returns the counts of 2xx, 4xx and 5xx answers."""
    run = subprocess.run(["h2load", "--h1", "-c", "1", "-t", "1", "--rps", f"{rate:.3f}", "-D", str(seconds), url],
                         capture_output=True, text=True, timeout=seconds + 30)
    match = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", run.stdout)
    if run.returncode != 0 or not match:
        raise RuntimeError(f"h2load failed: {run.stdout}{run.stderr}")
    return {"2xx": int(match[1]), "4xx": int(match[3]), "5xx": int(match[4])}


def run_iuprobe(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([IUPROBE, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


def read_json(path) -> dict:
    with open(path) as f:
        return json.load(f)


def self_signed_certificate(directory: Path, names=("localhost",), ips=("127.0.0.1",)) -> tuple:
    """(cert.pem, key.pem) for a self-signed certificate valid for `names` and `ips`."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{ip}" for ip in ips])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={names[0] if names else ips[0]}", "-addext", f"subjectAltName={san}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def png_bytes(width: int, height: int, seed: int = 0) -> bytes:
    """A valid RGB PNG of the given size (content varies with seed)."""
    raw = b"".join(b"\x00" + bytes(((x * 7 + y * 13 + seed) % 256) for x in range(width * 3))
                   for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_images(directory: Path, count: int = 3) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (directory / f"image-{i}.png").write_bytes(png_bytes(64 + 16 * i, 64 + 8 * i, seed=i))
    return directory


def aws_env(key="AKIDEXAMPLE", secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", **extra) -> dict:
    """The environment for an iuprobe that must use exactly these credentials, and nothing of ~/.aws."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", **extra)
    return env


EMULATOR_KEY = "AKIAIOSFODNN7EXAMPLE"
EMULATOR_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Emulator:
    """`iuprobe emulate` on a port it picks, with the given flags; read its address from its banner."""

    def __init__(self, *flags: str):
        self.process = subprocess.Popen([IUPROBE, "emulate", "--listen", "127.0.0.1:0", *flags],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        banner = self.process.stdout.readline()
        if "iuprobe emulate:" not in banner:
            self.process.kill()
            raise RuntimeError(f"iuprobe emulate did not start: {banner}{self.process.stderr.read()}")
        self.url = banner.split(" at ", 1)[1].split()[0]
        self.banner = banner
        # The rest of the banner ends with the example command's last line.
        while not (line := self.process.stdout.readline()).strip().startswith("aws rekognition"):
            if not line:
                raise RuntimeError(f"iuprobe emulate ended early: {self.process.stderr.read()}")
            self.banner += line
        self.banner += line
        self.model_arn = next(l.split()[1] for l in self.banner.splitlines() if l.strip().startswith("model "))
        self.project_arn = self.model_arn.split("/version/")[0] + "/1600000000000"

    def client(self, key=EMULATOR_KEY, secret=EMULATOR_SECRET, **config):
        import boto3
        from botocore.config import Config
        return boto3.client("rekognition", region_name="us-east-1", endpoint_url=self.url,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            config=Config(retries={"total_max_attempts": 1}, **config))

    def status(self) -> str:
        versions = self.client().describe_project_versions(ProjectArn=self.project_arn)
        return versions["ProjectVersionDescriptions"][0]["Status"]

    def metrics(self) -> dict:
        """{'name{labels}': value} from GET /metrics."""
        import urllib.request
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def count(self, operation: str, outcome: str = "ok") -> int:
        key = f'iuprobe_emulator_requests_total{{operation="{operation}",outcome="{outcome}"}}'
        return int(self.metrics().get(key, 0))

    def stop(self) -> str:
        """SIGTERM, then the billing summary it prints."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        stdout, stderr = self.process.communicate(timeout=30)
        self.final_output = stdout + stderr
        return self.final_output

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


MPIRUN = shutil.which("mpirun") or "mpirun (not installed: scripts/setup.sh installs OpenMPI)"
# Root may run it (CI); more ranks than cores; no binding (each rank has worker threads).
MPI_FLAGS = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
# As docs/distributed.md advises: a rank that ends non-zero does not kill the others, rank 0 must
# live to stop the model and write what it measured.
KEEP_RANK_0 = ["--mca", "orte_abort_on_non_zero_status", "0"]


def start_mpirun(test, args: list, env: dict) -> subprocess.Popen:
    """`mpirun MPI_FLAGS ARGS`, started, with its output piped; if still running when `test` ends,
    terminated (mpirun then ends its ranks: SIGKILL would orphan them), killed 30 s later."""
    process = subprocess.Popen([MPIRUN, *MPI_FLAGS, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)

    def end():
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
    test.addCleanup(end)
    return process


def emulator_env(**extra) -> dict:
    return aws_env(EMULATOR_KEY, EMULATOR_SECRET, **extra)


def nginx_limit_req(rate: int, burst: int, nodelay: bool = True) -> Nginx:
    """nginx's limit_req at `rate` r/s with `burst` (a token bucket with nodelay; without it, a
    queue that delays requests over the rate), 429 when refused, "ok" otherwise."""
    return Nginx(f"""
        listen 127.0.0.1:{{port}};
        location / {{ limit_req zone=model burst={burst}{' nodelay' if nodelay else ''}; limit_req_status 429;
                     root {{www}}; try_files /ok =404; }}
        """, http_extra=f"limit_req_zone $binary_remote_addr zone=model:1m rate={rate}r/s;")


@contextlib.contextmanager
def limit_conn_endpoint(conns: int, delay_s: float, jitter: float = 0):
    """nginx limit_conn `conns` (429 beyond) in front of a backend that holds each request for
    `delay_s` ± `jitter` (the emulator: timers, no signature checks, 1,000 slots), so only the
    connection limit bounds the rate. Yields the target flags for `iuprobe probe` / `run`. The
    request is DetectCustomLabels with a 1 KB PNG: nginx sends a larger proxied body in a
    second write, which meets the backend's delayed ACK and adds 40 ms to every request."""
    with tempfile.TemporaryDirectory() as tmp, \
            Emulator("--no-auth", "--slots", "1000", "--service-time", f"{delay_s * 1000:g}ms",
                     "--jitter", str(jitter)) as backend:
        body = Path(tmp) / "detect.json"
        body.write_text(json.dumps({"ProjectVersionArn": backend.model_arn,
                                    "Image": {"Bytes": base64.b64encode(png_bytes(64, 64)).decode()}}))
        port = backend.url.rsplit(":", 1)[1]
        with Nginx(f"""
                listen 127.0.0.1:{{port}};
                location / {{ limit_conn c {conns}; limit_conn_status 429; proxy_pass http://backend;
                             proxy_http_version 1.1; proxy_set_header Connection "";
                             proxy_set_header X-Amz-Target RekognitionService.DetectCustomLabels; }}""",
                   http_extra="limit_conn_zone $binary_remote_addr zone=c:1m;\n"
                              f"upstream backend {{ server 127.0.0.1:{port}; keepalive 64; }}") as nginx:
            yield ["--url", nginx.url("/"), "--method", "POST", "--body-file", str(body), "--header",
                   "Content-Type: application/x-amz-json-1.1", "--threads", "1"]


# The live page (--web): requests to a dashboard at its printed URL.
def connect(url: str, path: str, method: str = "GET", headers=None):
    host, port = re.match(r"http://([^/:]+|\[[^\]]+\]):(\d+)/", url).groups()
    connection = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=10)
    connection.request(method, path, headers=headers or {})
    return connection, connection.getresponse()


def request(url: str, path: str, method: str = "GET", headers=None):
    """(status, headers, body) of one request to the dashboard at `url`."""
    connection, response = connect(url, path, method, headers)
    body = response.read().decode(errors="replace")
    connection.close()
    return response.status, dict(response.getheaders()), body


def read_stream(url: str, path: str, marker: str, count: int, timeout: float = 30):
    """(headers, text) of an event stream, read until `marker` appeared `count` times."""
    connection, response = connect(url, path)
    text, deadline = "", time.monotonic() + timeout
    while text.count(marker) < count and time.monotonic() < deadline:
        text += response.read1(65536).decode(errors="replace")
    connection.close()
    return dict(response.getheaders()), text


def probe_result(binary, args, env=None, out=None, timeout=400):
    """Runs `binary probe ARGS --out DIR`: (result.json as a dict or None, wall seconds, the
    completed process). DIR is a temporary directory unless `out` is given."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(out or tmp)
        started = time.monotonic()
        run = subprocess.run([binary, "probe", *args, "--out", str(directory)], capture_output=True, text=True,
                             env=env, timeout=timeout)
        wall = time.monotonic() - started
        path = directory / "result.json"
        return (json.loads(path.read_text()) if path.exists() else None), wall, run


class ConnectionCounts:
    """A server's own connection counts, polled every 50 ms on a thread while a probe runs: the
    most it had open at once, and how many it accepted in all. The server counts, not iuprobe:
    an independent measure of iuprobe's pool. `read()` returns (open now, accepted so far), both
    without the poller's own connections."""

    def __init__(self):
        self.peak_active = 0
        self.stopping = threading.Event()
        self.first = self.read()
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        while not self.stopping.wait(0.05):
            self.peak_active = max(self.peak_active, self.read()[0])

    def stop(self) -> int:
        """Stops polling; returns how many connections the server accepted meanwhile."""
        self.stopping.set()
        self.thread.join()
        return self.read()[1] - self.first[1]


class StubStatus(ConnectionCounts):
    """nginx's counts from `location = /status { stub_status; }` on a plain-HTTP server, read on
    one keep-alive connection of the poller's own."""

    def __init__(self, nginx):
        self.connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
        super().__init__()

    def read(self):
        self.connection.request("GET", "/status")
        text = self.connection.getresponse().read().decode()
        active = int(re.search(r"Active connections: (\d+)", text).group(1))
        accepts = int(text.splitlines()[2].split()[0])
        return active - 1, accepts


class EmulatorConnections(ConnectionCounts):
    """`iuprobe emulate`'s counts from its /metrics; each poll is a connection of its own, closed
    after it, and counted out."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.polls = 0
        super().__init__()

    def read(self):
        metrics = self.emulator.metrics()
        self.polls += 1
        return (int(metrics["iuprobe_emulator_connections"]) - 1,
                int(metrics["iuprobe_emulator_connections_accepted_total"]) - self.polls)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def raise_fd_limit(wanted: int) -> None:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """What a loopback server answers first to raw bytes on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return s.recv(65536)
