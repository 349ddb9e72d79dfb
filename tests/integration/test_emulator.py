# SPDX-License-Identifier: Apache-2.0
"""`iuprobe emulate` against real clients: boto3 and the AWS CLI unmodified (only --endpoint-url),
iuprobe's own load (the capacity it observes must be the configured one), and a flood of bad
traffic it must survive."""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import botocore.exceptions
from botocore.config import Config

from harness import (EMULATOR_KEY, EMULATOR_SECRET, Emulator, emulator_env, png_bytes, read_json, run_iuprobe,
                     write_images, exchange, raise_fd_limit, rss_mb)


def big_png(width: int, height: int, seed: int = 0) -> bytes:
    """A valid PNG of many megapixels, built fast (rows repeat) and small on disk."""
    import struct
    import zlib
    row = b"\x00" + bytes(((x * 7 + seed) % 256) for x in range(width * 3))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


class RealClients(unittest.TestCase):
    """boto3 and the AWS CLI, as users run them."""

    @classmethod
    def setUpClass(cls):
        # 1 IU, 1 slot, no queue, 300 ms: the second of two concurrent calls is refused.
        cls.emulator = Emulator("--slots", "1", "--queue", "0", "--service-time", "300ms", "--jitter", "0",
                                "--type", "detection", "--labels", "car,bus,bike")
        cls.client = cls.emulator.client()
        cls.image = png_bytes(120, 90, seed=5)

    @classmethod
    def tearDownClass(cls):
        cls.emulator.stop()

    def test_detect_custom_labels_returns_labels_with_boxes_the_same_each_time(self):
        first = self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn,
                                                 Image={"Bytes": self.image}, MinConfidence=0)
        labels = first["CustomLabels"]
        self.assertGreaterEqual(len(labels), 1)
        for label in labels:
            self.assertIn(label["Name"], ("car", "bus", "bike"))
            self.assertIn("BoundingBox", label["Geometry"])
        self.assertEqual(labels, sorted(labels, key=lambda l: -l["Confidence"]))
        again = self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn,
                                                 Image={"Bytes": self.image}, MinConfidence=0)
        self.assertEqual(again["CustomLabels"], labels)
        self.assertTrue(first["ResponseMetadata"]["RequestId"])
        one = self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn,
                                               Image={"Bytes": self.image}, MinConfidence=0, MaxResults=1)
        self.assertEqual(one["CustomLabels"], labels[:1])

    def test_over_capacity_raises_provisioned_throughput_exceeded(self):
        errors = []

        def call():
            try:
                self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn,
                                                 Image={"Bytes": self.image})
            except self.client.exceptions.ProvisionedThroughputExceededException as e:
                errors.append(e)

        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertGreaterEqual(len(errors), 1)
        self.assertEqual(errors[0].response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_a_wrong_secret_is_an_invalid_signature(self):
        client = self.emulator.client(secret="not-the-secret")
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            client.describe_projects()
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertIn("signature we calculated does not match", caught.exception.response["Error"]["Message"])

    def test_an_unknown_key_is_an_unrecognized_client(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.emulator.client(key="AKIDUNKNOWN").describe_projects()
        self.assertEqual(caught.exception.response["Error"]["Code"], "UnrecognizedClientException")

    def test_an_oversize_image_raises_image_too_large(self):
        oversize = self.image + b"\x00" * (4 * 1024 * 1024)
        with self.assertRaises(self.client.exceptions.ImageTooLargeException):
            self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn, Image={"Bytes": oversize})

    def test_input_errors_raise_the_services_exceptions(self):
        arn = self.emulator.model_arn
        with self.assertRaises(self.client.exceptions.InvalidImageFormatException):
            self.client.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": b"GIF89a not supported"})
        with self.assertRaises(self.client.exceptions.InvalidImageFormatException):
            self.client.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": png_bytes(32, 32)})
        with self.assertRaises(self.client.exceptions.InvalidS3ObjectException):
            self.client.detect_custom_labels(ProjectVersionArn=arn, Image={"S3Object": {"Bucket": "images", "Name": "cat.jpg"}})
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.detect_custom_labels(ProjectVersionArn=arn.replace("demo.v1", "demo.v9"),
                                             Image={"Bytes": self.image})
        with self.assertRaises(self.client.exceptions.InvalidParameterException):
            # botocore checks MinConfidence's range itself unless told not to.
            self.emulator.client(parameter_validation=False).detect_custom_labels(
                ProjectVersionArn=arn, Image={"Bytes": self.image}, MinConfidence=101)

    def test_unknown_operations_get_the_services_error(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.client.detect_labels(Image={"Bytes": self.image})  # Rekognition, not Custom Labels
        self.assertEqual(caught.exception.response["Error"]["Code"], "UnknownOperationException")

    def test_aws_cli_prints_the_labels(self):
        with tempfile.NamedTemporaryFile(suffix=".png") as image:
            image.write(self.image)
            image.flush()
            cli = subprocess.run(["aws", "rekognition", "detect-custom-labels", "--region", "us-east-1",
                                  "--endpoint-url", self.emulator.url, "--project-version-arn",
                                  self.emulator.model_arn, "--image-bytes", f"fileb://{image.name}",
                                  "--min-confidence", "0", "--output", "json"],
                                 capture_output=True, text=True, timeout=60,
                                 env=emulator_env(AWS_MAX_ATTEMPTS="1"))
        self.assertEqual(cli.returncode, 0, cli.stderr)
        labels = json.loads(cli.stdout)["CustomLabels"]
        self.assertGreaterEqual(len(labels), 1)
        self.assertIn(labels[0]["Name"], ("car", "bus", "bike"))

    def test_every_response_carries_a_request_id_and_metrics_count_outcomes(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.emulator.client(secret="wrong").describe_projects()
        self.assertTrue(caught.exception.response["ResponseMetadata"]["RequestId"])
        metrics = self.emulator.metrics()
        self.assertGreaterEqual(self.emulator.count("DescribeProjects", "InvalidSignatureException"), 1)
        self.assertEqual(metrics[f'iuprobe_emulator_inference_units{{model="{self.emulator.model_arn}"}}'], 1)


class Lifecycle(unittest.TestCase):
    def test_start_waiter_and_stop_with_boto3(self):
        with Emulator("--status", "STOPPED", "--start-time", "1s", "--stop-time", "500ms") as emulator:
            client = emulator.client()
            arn = emulator.model_arn
            with self.assertRaises(client.exceptions.ResourceNotReadyException):
                client.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": png_bytes(80, 80)})
            started = client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=2)
            self.assertEqual(started["Status"], "STARTING")
            with self.assertRaises(client.exceptions.ResourceInUseException):
                client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
            client.get_waiter("project_version_running").wait(
                ProjectArn=emulator.project_arn, VersionNames=["demo.v1"],
                WaiterConfig={"Delay": 1, "MaxAttempts": 10})
            self.assertEqual(emulator.status(), "RUNNING")
            client.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": png_bytes(80, 80)})
            self.assertEqual(client.stop_project_version(ProjectVersionArn=arn)["Status"], "STOPPING")
            time.sleep(0.7)
            self.assertEqual(emulator.status(), "STOPPED")
            summary = emulator.stop()
        self.assertIn("IU-seconds", summary)

    def test_auto_scaling_adds_an_iu_under_sustained_overload(self):
        with Emulator("--iu", "1", "--max-iu", "2", "--slots", "2", "--queue", "0", "--service-time", "100ms",
                      "--scale-up-after", "1s", "--scale-down-after", "1s") as emulator, \
                tempfile.TemporaryDirectory() as tmp:
            images = write_images(Path(tmp) / "images", 1)
            run = run_iuprobe("run", "--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                              "--images", str(images), "--rate", "60", "--duration", "4s", "--quiet",
                              "--out", str(Path(tmp) / "out"), env=emulator_env())
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            key = f'iuprobe_emulator_scale_events_total{{model="{emulator.model_arn}"}}'
            self.assertGreaterEqual(emulator.metrics()[key], 1)
            windows = read_json(Path(tmp) / "out" / "result.json")["windows"]
            # 20 TPS per IU: at first about 20 pass, after scaling about 40.
            self.assertLess(windows[0]["goodput_per_s"], 30)
            self.assertGreater(max(w["goodput_per_s"] for w in windows), 30)


class ObservedCapacity(unittest.TestCase):
    """Under overload, the goodput iuprobe measures is IUs x slots / service time, within 3%."""

    def measure(self, image: bytes, flags, rate: int) -> float:
        with Emulator("--iu", "2", "--slots", "4", "--queue", "2", "--jitter", "0.1", "--seed", "3",
                      *flags) as emulator, tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "image.png").write_bytes(image)
            run = run_iuprobe("run", "--project-version-arn", emulator.model_arn, "--endpoint-url", emulator.url,
                              "--images", str(Path(tmp) / "image.png"), "--rate", str(rate), "--duration", "10s",
                              "--quiet", "--out", str(Path(tmp) / "out"), env=emulator_env())
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            result = read_json(Path(tmp) / "out" / "result.json")
            self.assertFalse(result["generator"]["bound"], result["generator"])
            self.assertGreater(result["summary"]["outcomes"]["throttled"], 0)
            inner = result["windows"][1:-1]
            found = sum(w["goodput_per_s"] for w in inner) / len(inner)
            print(f"\n  observed capacity {found:.1f}/s with {' '.join(flags)}", end=" ", flush=True)
            return found

    def test_small_images(self):
        expected = 2 * 4 / 0.040  # 200 TPS
        found = self.measure(png_bytes(64, 64), ["--service-time", "40ms"], rate=300)
        self.assertAlmostEqual(found / expected, 1.0, delta=0.03, msg=f"found {found:.1f}, expected {expected:.1f}")

    def test_large_images_cost_per_megapixel(self):
        megapixels = 2048 * 1536 / 1e6
        expected = 2 * 4 / (0.040 + 0.020 * megapixels)  # 77.7 TPS
        found = self.measure(big_png(2048, 1536), ["--service-time", "40ms", "--per-megapixel", "20ms"], rate=120)
        self.assertAlmostEqual(found / expected, 1.0, delta=0.03, msg=f"found {found:.1f}, expected {expected:.1f}")


class BadInput(unittest.TestCase):
    def test_bad_flags_and_config_are_named(self):
        bad = run_iuprobe("emulate", "--listen", "127.0.0.1:0", "--slots", "0")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("slots_per_iu must be at least 1", bad.stderr)
        remote = run_iuprobe("emulate", "--listen", "0.0.0.0:0")
        self.assertEqual(remote.returncode, 2)
        self.assertIn("--allow-remote", remote.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as config:
            config.write('{"models": [{"project": "p", "slot": 3}]}')
            config.flush()
            typo = run_iuprobe("emulate", "--config", config.name)
            self.assertEqual(typo.returncode, 3)  # a bad input file
            self.assertIn("unknown key 'slot'", typo.stderr)
            self.assertIn(config.name, typo.stderr)

    def test_config_file_serves_its_models_and_keys(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as config:
            json.dump({"credentials": [{"access_key_id": "AKIDLOCAL", "secret_access_key": "local-secret"}],
                       "models": [{"project": "cars", "version": "cars.v1", "labels": ["sedan", "truck"]},
                                  {"project": "cars", "version": "cars.v2", "status": "STOPPED"}]}, config)
            config.flush()
            with Emulator("--config", config.name) as emulator:
                client = emulator.client(key="AKIDLOCAL", secret="local-secret")
                project = client.describe_projects()["ProjectDescriptions"]
                self.assertEqual(len(project), 1)
                versions = client.describe_project_versions(ProjectArn=project[0]["ProjectArn"])
                statuses = {v["ProjectVersionArn"].split("/")[-2]: v["Status"]
                            for v in versions["ProjectVersionDescriptions"]}
                self.assertEqual(statuses, {"cars.v1": "RUNNING", "cars.v2": "STOPPED"})
                page = client.describe_project_versions(ProjectArn=project[0]["ProjectArn"], MaxResults=1)
                self.assertIn("NextToken", page)
                with self.assertRaises(botocore.exceptions.ClientError):
                    emulator.client().describe_projects()  # the default key is not configured


class Flood(unittest.TestCase):
    """Abuse that must not take the emulator down or grow it without bound."""

    def setUp(self):
        self.emulator = Emulator()
        self.port = int(self.emulator.url.rsplit(":", 1)[1])
        self.client = self.emulator.client()

    def tearDown(self):
        self.emulator.stop()

    def still_serves(self):
        answer = self.client.detect_custom_labels(ProjectVersionArn=self.emulator.model_arn,
                                                  Image={"Bytes": png_bytes(64, 64)})
        self.assertIn("CustomLabels", answer)

    def exchange(self, data: bytes) -> bytes:
        return exchange(self.port, data)

    def test_ten_thousand_connections_garbage_a_huge_body_and_a_slow_sender(self):
        raise_fd_limit(12000)
        before = rss_mb(self.emulator.process.pid)
        # A slow sender: one byte every 50 ms of a valid request, for the whole test.
        slow = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        stop_slow = threading.Event()

        def drip():
            request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
            for byte in request:
                if stop_slow.wait(0.05):
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return

        dripper = threading.Thread(target=drip)
        dripper.start()
        sockets = []
        try:
            for _ in range(10000):
                sockets.append(socket.create_connection(("127.0.0.1", self.port), timeout=10))
            self.still_serves()
            # Garbage on a few hundred of them: each gets a 400 and is closed.
            for s in sockets[:300]:
                s.sendall(b"\x16\x03\x01 this is not HTTP at all\r\n\r\n")
            for s in sockets[:300]:
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 400"))
            # A 100 MB body announced: refused at once, before it is read.
            self.assertTrue(self.exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
                                          + b"x" * 65536).startswith(b"HTTP/1.1 413"))
            # 100 MB chunked (no length given): cut off at the body limit.
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"100000\r\n" + b"y" * 0x100000 + b"\r\n"
                answer = b""
                try:
                    for _ in range(100):
                        s.sendall(chunk)
                except OSError:
                    pass
                try:
                    answer = s.recv(4096)
                except OSError:
                    pass
                self.assertTrue(answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:100])
            # Headers without end.
            self.assertTrue(self.exchange(b"GET / HTTP/1.1\r\nX: " + b"z" * 40000 + b"\r\n\r\n")
                            .startswith(b"HTTP/1.1 431"))
            self.still_serves()
            during = rss_mb(self.emulator.process.pid)
            self.assertEqual(self.emulator.metrics()["iuprobe_emulator_connections"] >= 9000, True)
        finally:
            stop_slow.set()
            dripper.join()
            slow.close()
            for s in sockets:
                s.close()
        self.still_serves()
        self.assertIsNone(self.emulator.process.poll())
        print(f"\n  emulator RSS {before:.0f} MB idle, {during:.0f} MB with 10,000 connections", end=" ", flush=True)
        self.assertLess(during, before + 400)


class BufferedBytesCap(unittest.TestCase):
    def test_bodies_held_at_once_are_capped_and_beyond_the_cap_requests_get_503(self):
        with Emulator("--max-buffered", "10MB") as emulator:
            port = int(emulator.url.rsplit(":", 1)[1])
            buffered = lambda: emulator.metrics()["iuprobe_emulator_buffered_request_bytes"]
            # Two uploads of 4 MB announced and barely begun: 8 MB held by the emulator.
            held = []
            try:
                for _ in range(2):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n" + b"x" * 1000)
                    held.append(s)
                for _ in range(100):  # bounded: at most 5 s for the emulator to read both headers
                    if buffered() == 8000000:
                        break
                    time.sleep(0.05)
                self.assertEqual(buffered(), 8000000)
                # A third would take it past 10 MB: refused before its body is read.
                answer = exchange(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n")
                self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer[:200])
                self.assertIn(b"Retry-After: 1", answer)
                # A small request still fits and is served.
                labels = emulator.client().detect_custom_labels(ProjectVersionArn=emulator.model_arn,
                                                                Image={"Bytes": png_bytes(64, 64)})
                self.assertIn("CustomLabels", labels)
                self.assertEqual(emulator.metrics()["iuprobe_emulator_refused_busy_total"], 1)
            finally:
                for s in held:
                    s.close()
            for _ in range(100):
                if buffered() == 0:
                    break
                time.sleep(0.05)
            self.assertEqual(buffered(), 0)  # released when the connections went


if __name__ == "__main__":
    unittest.main()
