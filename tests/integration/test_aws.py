# SPDX-License-Identifier: Apache-2.0
"""iuprobe against AWS-speaking peers on loopback: moto (a third-party Rekognition endpoint that
checks SigV4 against keys in its own IAM), the `sign` command on botocore's vector, and the model
lifecycle (start, wait, stop on every way out) against `iuprobe emulate`."""

import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import boto3

from harness import (IUPROBE, Emulator, aws_env, emulator_env, free_port, read_json, run_iuprobe, wait_for_port,
                     write_images)

MODEL_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v.1/1600000000000"


class Moto(unittest.TestCase):
    """moto_server with signature checks on: the first three calls create a user, its key and a policy."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
        cls.moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(cls.port)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(cls.port, timeout=30)
        cls.url = f"http://127.0.0.1:{cls.port}"
        iam = boto3.client("iam", endpoint_url=cls.url, region_name="us-east-1",
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="prober")
        cls.key = iam.create_access_key(UserName="prober")["AccessKey"]
        iam.put_user_policy(UserName="prober", PolicyName="rekognition", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rekognition:*", "Resource": "*"}]}))
        cls.tmp = tempfile.TemporaryDirectory()
        cls.images = write_images(Path(cls.tmp.name) / "images")

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait(timeout=10)
        cls.tmp.cleanup()

    def run_model(self, secret, *extra):
        out = Path(self.tmp.name) / f"out-{time.monotonic_ns()}"
        run = run_iuprobe("run", "--project-version-arn", MODEL_ARN, "--images", str(self.images),
                          "--endpoint-url", self.url, "--rate", "20", "--duration", "2s", "--out", str(out),
                          "--quiet", *extra, env=aws_env(self.key["AccessKeyId"], secret))
        result = read_json(out / "result.json") if (out / "result.json").exists() else None
        return run, result

    def test_correctly_signed_requests_get_labels(self):
        run, result = self.run_model(self.key["SecretAccessKey"], "--min-confidence", "50", "--max-results", "5")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(result["summary"]["outcomes"]["ok"], 40, result["summary"])
        self.assertIn("DetectCustomLabels on " + MODEL_ARN, result["config"]["target"])
        self.assertNotIn(self.key["SecretAccessKey"], json.dumps(result))
        self.assertNotIn(self.key["SecretAccessKey"], run.stdout + run.stderr)

    def test_a_wrong_secret_is_refused_and_stops_the_run_with_advice(self):
        run, result = self.run_model("not-the-secret")
        self.assertEqual(run.returncode, 5, run.stdout + run.stderr)  # auth
        self.assertIn("STOPPED", run.stdout)
        self.assertIn("SignatureDoesNotMatch", run.stdout)
        self.assertIsNotNone(result["stopped_early"])
        self.assertEqual(result["summary"]["outcomes"]["ok"], 0)
        self.assertLess(result["summary"]["duration_s"], 1.5)


class Sign(unittest.TestCase):
    def test_prints_botocores_signature_for_the_rekognition_vector(self):
        with tempfile.NamedTemporaryFile("wb") as body:
            body.write(b'{"ProjectVersionArn":"' + MODEL_ARN.encode() +
                       b'","Image":{"Bytes":"iVBORw0KGgo="},"MinConfidence":50,"MaxResults":10}')
            body.flush()
            args = ["sign", "--method", "POST", "--url", "https://rekognition.us-east-1.amazonaws.com/",
                    "--service", "rekognition", "--region", "us-east-1",
                    "--header", "Content-Type: application/x-amz-json-1.1",
                    "--header", "X-Amz-Target: RekognitionService.DetectCustomLabels",
                    "--body-file", body.name, "--date", "20150830T123600Z"]
            plain = run_iuprobe(*args, env=aws_env())
            token = run_iuprobe(*args, env=aws_env(AWS_SESSION_TOKEN="SESSIONTOKEN"))
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertIn("df4b93e46e04fe9d001d06f71e3b38620405cc05f5a01575560a070fda424eba", plain.stdout)
        self.assertIn("SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                      "Signature=c20050571273a0e912cb48f1c50008c87c64d262e6e0b42130086b7792b3775f", plain.stdout)
        self.assertIn("Signature=182cb26cc478b61deaf09441d13d1d806c6e578d22556434d848f677303923ac", token.stdout)
        self.assertNotIn("SESSIONTOKEN", token.stdout)
        self.assertNotIn("wJalrXUtnFEMI", plain.stdout + token.stdout)

    def test_bad_date_is_explained(self):
        run = run_iuprobe("sign", "--url", "https://x/", "--service", "s", "--region", "us-east-1",
                          "--date", "yesterday", env=aws_env())
        self.assertEqual(run.returncode, 2)
        self.assertIn("YYYYMMDDTHHMMSSZ", run.stderr)


class ModelInput(unittest.TestCase):
    def test_bad_arn_names_the_wrong_part(self):
        with tempfile.TemporaryDirectory() as d:
            images = write_images(Path(d) / "img", 1)
            run = run_iuprobe("run", "--project-version-arn",
                              "arn:aws:sagemaker:us-east-1:123456789012:project/p/version/v/1",
                              "--images", str(images), "--rate", "1", "--duration", "1s", env=aws_env())
        self.assertEqual(run.returncode, 2)
        self.assertIn("--project-version-arn", run.stderr)
        self.assertIn("service is 'sagemaker'", run.stderr)

    def test_non_images_are_skipped_by_name_and_an_empty_set_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "notes.txt").write_text("not an image")
            run = run_iuprobe("run", "--project-version-arn", MODEL_ARN, "--images", d, "--rate", "1",
                              "--duration", "1s", env=aws_env())
        self.assertEqual(run.returncode, 3)  # input
        self.assertIn("notes.txt", run.stderr)
        self.assertIn("no JPEG or PNG", run.stderr)


class Lifecycle(unittest.TestCase):
    """Model start, wait and stop on every way out, against `iuprobe emulate` (a STOPPED model)."""

    def start_emulator(self, start_time="500ms"):
        self.emulator = Emulator("--status", "STOPPED", "--start-time", start_time, "--stop-time", "300ms")
        self.common = ["--project-version-arn", self.emulator.model_arn, "--endpoint-url", self.emulator.url]

    def setUp(self):
        self.start_emulator()
        self.tmp = tempfile.TemporaryDirectory()
        self.images = write_images(Path(self.tmp.name) / "images", 2)

    def tearDown(self):
        self.emulator.stop()
        self.tmp.cleanup()

    def test_model_start_status_stop(self):
        start = run_iuprobe("model", "start", *self.common, "--min-iu", "2", "--wait", "--poll-interval", "100ms",
                            env=emulator_env())
        self.assertEqual(start.returncode, 0, start.stdout + start.stderr)
        self.assertIn("RUNNING", start.stdout)
        status = run_iuprobe("model", "status", *self.common, env=emulator_env())
        self.assertIn("RUNNING", status.stdout)
        self.assertIn("2 min", status.stdout)
        stop = run_iuprobe("model", "stop", *self.common, "--wait", "--poll-interval", "100ms", env=emulator_env())
        self.assertEqual(stop.returncode, 0, stop.stdout + stop.stderr)
        self.assertEqual(self.emulator.status(), "STOPPED")
        # Billed while RUNNING only: 2 IUs for about the time between the two commands.
        billed = self.emulator.metrics()[f'iuprobe_emulator_billed_iu_seconds_total{{model="{self.emulator.model_arn}"}}']
        self.assertGreater(billed, 0)
        self.assertLess(billed, 2 * 10)

    def test_a_stopped_model_ends_the_run_with_advice(self):
        run = run_iuprobe("run", *self.common, "--images", str(self.images), "--rate", "10", "--duration", "10s",
                          "--quiet", "--out", str(Path(self.tmp.name) / "out"), env=emulator_env())
        self.assertEqual(run.returncode, 6, run.stdout + run.stderr)  # service
        self.assertIn("the model is not running", run.stdout)
        self.assertIn("iuprobe model start --project-version-arn", run.stdout)

    def test_run_starts_the_model_and_stops_it_after(self):
        run = run_iuprobe("run", *self.common, "--images", str(self.images), "--rate", "10", "--duration", "2s",
                          "--start-model", "--iu", "1", "--poll-interval", "100ms", "--quiet",
                          "--out", str(Path(self.tmp.name) / "out"), env=emulator_env())
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("IU-minutes billed", run.stdout)
        self.assertIn(self.emulator.status(), ("STOPPING", "STOPPED"))
        result = read_json(Path(self.tmp.name) / "out" / "result.json")
        self.assertTrue(result["model"]["started_by_iuprobe"])
        self.assertEqual(result["summary"]["outcomes"]["ok"], 20)
        self.assertEqual(self.emulator.count("DetectCustomLabels"), 20)

    def interrupt(self, sig, after, expected_exit):
        process = subprocess.Popen([IUPROBE, "run", *self.common, "--images", str(self.images), "--rate", "10",
                                    "--duration", "60s", "--start-model", "--iu", "1", "--poll-interval", "100ms",
                                    "--out", str(Path(self.tmp.name) / "out")],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=emulator_env())
        time.sleep(after)
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=30)
        self.assertEqual(process.returncode, expected_exit, stdout + stderr)
        self.assertEqual(self.emulator.count("StopProjectVersion"), 1)
        self.assertIn(self.emulator.status(), ("STOPPING", "STOPPED"))
        return stdout

    def test_ctrl_c_during_the_run_stops_the_model(self):
        stdout = self.interrupt(signal.SIGINT, 2.0, 130)
        self.assertIn("IU-minutes billed", stdout)

    def test_sigterm_while_the_model_is_starting_still_stops_it(self):
        self.emulator.stop()
        self.start_emulator(start_time="1500ms")
        stdout = self.interrupt(signal.SIGTERM, 0.5, 143)
        self.assertIn("still STARTING", stdout)


if __name__ == "__main__":
    unittest.main()
