# SPDX-License-Identifier: Apache-2.0
"""`plan --cloudwatch` and the probe's IU evidence against real CloudWatch speakers: moto's CloudWatch
(fed through boto3's PutMetricData) and the emulator's. Every expected plan is computed here, in the
test, from the per-minute data the test put (moto) or read back itself (the emulator), by the rule
README.md documents: an hour's demand is its busiest minute's requests ÷ 60, the profile takes the
maximum (or a percentile) across days, IUs = ceil(demand / TPS per IU)."""

import datetime
import json
import math
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config

from harness import (EMULATOR_KEY, EMULATOR_SECRET, Emulator, aws_env, emulator_env, free_port, read_json,
                     run_iuprobe, wait_for_port, write_images)

ARN = "arn:aws:rekognition:us-east-1:123456789012:project/shop/version/shop.v3/1600000000000"
ARN_EU = "arn:aws:rekognition:eu-west-1:123456789012:project/eu/version/eu.v1/1600000000000"
HOUR, DAY = 3600, 86400


def base_rate(hour: int) -> float:
    """Requests per second in an ordinary minute of this hour of the day (UTC): 4/s at night, 20/s at 13:00."""
    return 4 + 16 * math.exp(-((hour - 13) / 3.5) ** 2)


def percentile(values, p):
    values = sorted(values)
    rank = math.ceil(p / 100 * len(values))
    return values[max(1, min(rank, len(values))) - 1]


def expected_profile(demand: dict, start: int, end: int, period: int, p: float = 100):
    """{minute: requests} → (tps per hour, weekly?) by the documented rule."""
    cells = [0.0] * ((end - start) // HOUR)
    for t, d in demand.items():
        if start <= t < end:
            i = (t - start) // HOUR
            cells[i] = max(cells[i], d / period)
    by_hour, by_week = [[] for _ in range(24)], [[] for _ in range(168)]
    for i, v in enumerate(cells):
        t = start + i * HOUR
        hour = (t // HOUR) % 24
        weekday = (t // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        by_hour[hour].append(v)
        by_week[weekday * 24 + hour].append(v)
    daily = [percentile(v, p) if v else 0.0 for v in by_hour]
    if len(cells) < 7 * 24:
        return daily, False
    weekly = [percentile(v, p) if v else 0.0 for v in by_week]
    if max(abs(weekly[i] - daily[i % 24]) for i in range(168)) > 0.2 * max(daily):
        return weekly, True
    return daily, False


def expected_options(tps, tps_per_iu):
    """The three options' IUs per hour and the recommendation (startup 0, no headroom, min 1 IU)."""
    n = len(tps)
    need = [max(1, math.ceil(t / tps_per_iu - 1e-9)) if t > 0 else 0 for t in tps]
    peak = max(need)
    low = min(max(x, 1) for x in need)
    scaling = [max(x, low) for x in need]
    options = {"always-on": [peak] * n, "scheduled": need, "auto-scaling": scaling}
    cost = {"always-on": peak * n, "scheduled": sum(need)}
    if all(scaling[h] <= scaling[h - 1] for h in range(n)):  # never short: no rise to wait for
        cost["auto-scaling"] = sum(scaling)
    recommended = min(cost, key=lambda k: (cost[k], ["always-on", "scheduled", "auto-scaling"].index(k)))
    return options, recommended


class MotoCloudWatch(unittest.TestCase):
    """moto's CloudWatch with 15 days of per-minute DetectCustomLabels counts put by boto3."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(cls.port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(cls.port, timeout=30)
        cls.url = f"http://127.0.0.1:{cls.port}"
        now = int(time.time())
        cls.end = now // HOUR * HOUR
        # A burst two days ago at 09:10 UTC: five times the hour's rate for one minute.
        burst = (cls.end - 2 * DAY) // DAY * DAY + 9 * HOUR + 10 * 60
        cls.demand, cls.throttled, cls.eu_demand = {}, {}, {}
        model = [{"Name": "ProjectName", "Value": "shop"}, {"Name": "VersionName", "Value": "shop.v3"}]
        data = []
        for t in range(cls.end - 15 * DAY, now // 60 * 60, 60):
            rate = base_rate((t // HOUR) % 24) * (1.5 if (t // 60) % 60 == 30 else 1.0)
            if t == burst:
                rate *= 5
            requests = round(rate * 60)
            served = min(requests, 2 * 10 * 60)  # 2 IUs of 10/s
            cls.demand[t], cls.throttled[t] = requests, requests - served
            stamp = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            data += [{"MetricName": "SuccessfulRequestCount", "Dimensions": model, "Timestamp": stamp,
                      "Value": served, "Unit": "Count"},
                     {"MetricName": "ThrottledCount", "Dimensions": model, "Timestamp": stamp,
                      "Value": requests - served, "Unit": "Count"},
                     {"MetricName": "InServiceInferenceUnits", "Dimensions": model, "Timestamp": stamp,
                      "Value": 2, "Unit": "Count"}]
        # moto cannot read gzip-compressed PutMetricData bodies: send them plain.
        config = Config(disable_request_compression=True)
        cloudwatch = boto3.client("cloudwatch", endpoint_url=cls.url, region_name="us-east-1",
                                  aws_access_key_id="a", aws_secret_access_key="b", config=config)
        for i in range(0, len(data), 1000):
            cloudwatch.put_metric_data(Namespace="AWS/Rekognition", MetricData=data[i:i + 1000])
        # eu-west-1: counts only under the Operation dimension, for one day.
        eu = boto3.client("cloudwatch", endpoint_url=cls.url, region_name="eu-west-1",
                          aws_access_key_id="a", aws_secret_access_key="b", config=config)
        operation = [{"Name": "Operation", "Value": "DetectCustomLabels"}]
        # 2/s, and one minute at 10/s at 09:10 UTC on one of the two days.
        eu_burst = (cls.end - DAY) // DAY * DAY + 9 * HOUR + 10 * 60
        eu_data = [{"MetricName": "SuccessfulRequestCount", "Dimensions": operation, "Unit": "Count",
                    "Value": 600 if t == eu_burst else 120,
                    "Timestamp": datetime.datetime.fromtimestamp(t, datetime.timezone.utc)}
                   for t in range(cls.end - 2 * DAY, cls.end, 60)]
        cls.eu_demand = {int(d["Timestamp"].timestamp()): d["Value"] for d in eu_data}
        for i in range(0, len(eu_data), 1000):
            eu.put_metric_data(Namespace="AWS/Rekognition", MetricData=eu_data[i:i + 1000])

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait(timeout=10)

    def plan(self, *args, arn=ARN, expect=0):
        with tempfile.TemporaryDirectory() as tmp:
            out, html = Path(tmp) / "plan.json", Path(tmp) / "plan.html"
            started = time.monotonic()
            run = run_iuprobe("plan", "--tps-per-iu", "7.3", "--cloudwatch", "--project-version-arn", arn,
                              "--cloudwatch-endpoint-url", self.url, "--json", str(out), "--html", str(html),
                              *args, env=aws_env(), timeout=300)
            self.assertEqual(run.returncode, expect, run.stdout + run.stderr)
            if expect:
                return run, None
            print(f"\n{run.stdout}plan --cloudwatch {' '.join(args)}: {time.monotonic() - started:.1f} s")
            self.assertIn("IUPROBE_PLAN", html.read_text())
            return run, read_json(out)["plans"][0]

    def check(self, plan, percentile_wanted=100):
        source = plan["source"]
        start, end = source["start"], source["end"]
        tps, weekly = expected_profile(self.demand, start, end, 60, percentile_wanted)
        self.assertEqual(plan["weekly"], weekly, plan["profile_why"])
        got = plan["plan"]["tps_per_hour"]
        self.assertEqual(len(got), len(tps))
        for h, (a, b) in enumerate(zip(got, tps)):
            self.assertAlmostEqual(a, b, places=6, msg=f"hour {h}")
        options, recommended = expected_options(tps, 7.3)
        for o in plan["plan"]["options"]:
            self.assertEqual(o["iu_per_hour"], options[o["name"]], o["name"])
        self.assertEqual(plan["plan"]["recommended"], recommended)
        past = plan["past"]
        in_range = [t for t in self.demand if start <= t < end]
        self.assertEqual(past["requests"], sum(self.demand[t] for t in in_range))
        self.assertEqual(past["throttled"], sum(self.throttled[t] for t in in_range))
        self.assertAlmostEqual(past["iu_hours"], 2 * len(in_range) / 60, places=6)
        self.assertAlmostEqual(past["days"], (end - start) / DAY, places=9)
        self.assertAlmostEqual(plan["current_cost_per_day_usd"], past["iu_hours"] / past["days"] * 4.0, places=6)
        return tps

    def test_fourteen_days_of_minutes_give_the_hourly_peaks_and_the_plan(self):
        run, plan = self.plan()
        tps = self.check(plan)
        self.assertIn("request counts under ProjectName=shop, VersionName=shop.v3", run.stdout)
        self.assertRegex(run.stdout, r"read [\d,]+ points in \d+ GetMetricData calls")
        self.assertIn("throttled most", run.stdout)
        self.assertIn("against now", run.stdout)
        # The burst two days ago sets 09:00 of its day of the week (the profile is weekly because
        # of it: no other day comes near).
        burst_day = ((self.end - 2 * DAY) // DAY + 3) % 7
        at = burst_day * 24 + 9 if plan["weekly"] else 9
        self.assertAlmostEqual(tps[at], round(base_rate(9) * 5 * 60) / 60, places=6)

    def test_counts_only_under_the_operation_are_used_and_said_to_be_account_wide(self):
        run, plan = self.plan("--days", "14", arn=ARN_EU)
        # Two days of data in the fourteen asked: the history starts at the first.
        self.assertIn("nothing recorded before", run.stdout)
        self.assertEqual(plan["source"]["start"], self.end - 2 * DAY)
        self.assertAlmostEqual(plan["past"]["days"], 2, places=9)
        self.assertTrue(plan["source"]["account_wide"])
        self.assertEqual(plan["source"]["dimensions"], "Operation=DetectCustomLabels")
        self.assertIn("every DetectCustomLabels call of the account in eu-west-1", run.stdout)
        self.assertFalse(plan["weekly"])
        window = (plan["source"]["start"], plan["source"]["end"])
        tps, _ = expected_profile(self.eu_demand, *window, 60)
        self.assertEqual(plan["plan"]["tps_per_hour"], tps)
        self.assertEqual(tps[9], 10.0)  # the burst's minute
        self.assertIn("unknown (no InServiceInferenceUnits data", run.stdout)
        # Each hour's median across the two days (nearest rank: the lower) ignores the burst.
        _, median = self.plan("--days", "2", "--peak-percentile", "50", arn=ARN_EU)
        median_window = (median["source"]["start"], median["source"]["end"])
        tps_median, _ = expected_profile(self.eu_demand, *median_window, 60, 50)
        self.assertEqual(median["plan"]["tps_per_hour"], tps_median)
        self.assertEqual(tps_median[9], 2.0)

    def test_no_data_names_the_metric_dimensions_region_and_period(self):
        run, _ = self.plan("--days", "1", arn=ARN.replace("shop", "none"), expect=3)
        for needle in ("no data points", "SuccessfulRequestCount", "ProjectName=none, VersionName=none.v3",
                       "Operation=DetectCustomLabels", "in us-east-1", "UTC"):
            self.assertIn(needle, run.stderr)

    def test_days_outside_the_retention_and_missing_pieces_are_refused(self):
        for days in ("0", "456"):
            run, _ = self.plan("--days", days, expect=2)
            self.assertIn("--days", run.stderr)
        run = run_iuprobe("plan", "--tps-per-iu", "5", "--cloudwatch", env=aws_env())
        self.assertEqual(run.returncode, 2)
        self.assertIn("--project-version-arn", run.stderr)


class MotoWithoutPermission(unittest.TestCase):
    def test_access_denied_names_the_iam_action(self):
        port = free_port()
        moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                env=dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, timeout=30)
            url = f"http://127.0.0.1:{port}"
            iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="b",
                               aws_secret_access_key="b")
            iam.create_user(UserName="prober")
            key = iam.create_access_key(UserName="prober")["AccessKey"]
            iam.put_user_policy(UserName="prober", PolicyName="rekognition", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rekognition:*", "Resource": "*"}]}))
            run = run_iuprobe("plan", "--tps-per-iu", "5", "--cloudwatch", "--project-version-arn", ARN, "--days", "1",
                              "--cloudwatch-endpoint-url", url,
                              env=aws_env(key["AccessKeyId"], key["SecretAccessKey"]))
            self.assertEqual(run.returncode, 5, run.stdout + run.stderr)
            self.assertIn("AccessDenied", run.stderr)
            self.assertIn("cloudwatch:GetMetricData", run.stderr)
        finally:
            moto.terminate()
            moto.wait(timeout=10)


def read_minutes(url: str, metric: str, start: int, end: int, stat="Sum", model=("demo", "demo.v1")) -> dict:
    """GetMetricData from the emulator, signed by botocore and sent by urllib (not by iuprobe)."""
    out, token = {}, None
    while True:
        body = {"StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending",
                "MetricDataQueries": [{"Id": "m", "MetricStat": {"Metric": {
                    "Namespace": "AWS/Rekognition", "MetricName": metric, "Dimensions": [
                        {"Name": "ProjectName", "Value": model[0]}, {"Name": "VersionName", "Value": model[1]}]},
                    "Period": 60, "Stat": stat}}]}
        if token:
            body["NextToken"] = token
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=url + "/", data=json.dumps(body),
            headers={"Content-Type": "application/x-amz-json-1.0",
                     "X-Amz-Target": "GraniteServiceVersion20100801.GetMetricData"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(EMULATOR_KEY, EMULATOR_SECRET), "monitoring",
                                "us-east-1").add_auth(request)
        with urllib.request.urlopen(urllib.request.Request(
                url + "/", data=request.body if isinstance(request.body, bytes) else request.body.encode(),
                headers=dict(request.headers), method="POST"),
                timeout=30) as response:
            page = json.load(response)
        result = page["MetricDataResults"][0]
        out.update(zip(result["Timestamps"], result["Values"]))
        token = page.get("NextToken")
        if not token:
            return out


class EmulatorCloudWatch(unittest.TestCase):
    def test_live_counters_are_what_boto3_was_answered(self):
        emulator = Emulator()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                images = sorted(write_images(Path(tmp) / "images").iterdir())
                rekognition = emulator.client()
                start = int(time.time()) // 60 * 60
                for image in images:
                    rekognition.detect_custom_labels(ProjectVersionArn=emulator.model_arn,
                                                     Image={"Bytes": image.read_bytes()})
                with self.assertRaises(rekognition.exceptions.InvalidImageFormatException):
                    rekognition.detect_custom_labels(ProjectVersionArn=emulator.model_arn,
                                                     Image={"Bytes": b"not an image"})
            end = int(time.time()) // 60 * 60 + 60
            self.assertEqual(sum(read_minutes(emulator.url, "SuccessfulRequestCount", start, end).values()),
                             len(images))
            self.assertEqual(sum(read_minutes(emulator.url, "UserErrorCount", start, end).values()), 1)
            self.assertEqual(sum(read_minutes(emulator.url, "ThrottledCount", start, end).values()), 0)
            units = read_minutes(emulator.url, "InServiceInferenceUnits", start, end, stat="Average")
            self.assertTrue(units and all(v == 1.0 for v in units.values()), units)
        finally:
            emulator.stop()

    def test_plan_from_the_emulators_history_matches_its_own_minutes(self):
        emulator = Emulator("--history-days", "14")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "plan.json"
                run = run_iuprobe("plan", "--tps-per-iu", "73", "--cloudwatch", "--project-version-arn",
                                  emulator.model_arn, "--cloudwatch-endpoint-url", emulator.url, "--json", str(out),
                                  env=emulator_env())
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                print("\n" + run.stdout)
                plan = read_json(out)["plans"][0]
            start, end = plan["source"]["start"], plan["source"]["end"]
            ok = read_minutes(emulator.url, "SuccessfulRequestCount", start, end)
            refused = read_minutes(emulator.url, "ThrottledCount", start, end)
            demand = {t: ok.get(t, 0) + refused.get(t, 0) for t in set(ok) | set(refused)}
            self.assertGreater(len(demand), 13 * 1440)
            tps, weekly = expected_profile(demand, start, end, 60)
            self.assertTrue(weekly, "the history has a weekend dip")
            self.assertTrue(plan["weekly"], plan["profile_why"])
            for a, b in zip(plan["plan"]["tps_per_hour"], tps):
                self.assertAlmostEqual(a, b, places=6)
            options, recommended = expected_options(tps, 73)
            for o in plan["plan"]["options"]:
                self.assertEqual(o["iu_per_hour"], options[o["name"]], o["name"])
            self.assertEqual(plan["plan"]["recommended"], recommended)
            self.assertEqual(plan["past"]["throttled"], sum(refused.values()))
            self.assertGreater(plan["past"]["throttled"], 0, "the history is short at its peaks")
            self.assertIn("Sat-Sun", run.stdout)
        finally:
            emulator.stop()


    def test_a_recorded_csv_is_replayed_and_planned_from(self):
        # Three days of minutes exported as CSV: 2/s at night, 12/s from 08:00 to 18:00 UTC (a
        # burst of 30/s at 12:30 on one day), 1 IU, throttled above 10/s.
        end = int(time.time()) // HOUR * HOUR
        demand, lines = {}, ["time,requests,throttled,inference_units"]
        burst = (end - DAY) // DAY * DAY + 12 * HOUR + 30 * 60
        for t in range(end - 3 * DAY, end, 60):
            hour = (t // HOUR) % 24
            rate = 30 if t == burst else 12 if 8 <= hour < 18 else 2
            requests = rate * 60
            demand[t] = requests
            stamp = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
            lines.append(f"{stamp},{requests},{max(0, requests - 600)},1")
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "recorded.csv"
            csv.write_text("\n".join(lines) + "\n")
            emulator = Emulator("--history-csv", str(csv))
            try:
                self.assertIn(f"{len(lines) - 1} recorded minutes", emulator.banner)
                out = Path(tmp) / "plan.json"
                run = run_iuprobe("plan", "--tps-per-iu", "10", "--cloudwatch", "--days", "3",
                                  "--project-version-arn", emulator.model_arn,
                                  "--cloudwatch-endpoint-url", emulator.url, "--json", str(out),
                                  env=emulator_env())
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                plan = read_json(out)["plans"][0]
            finally:
                emulator.stop()
        tps, weekly = expected_profile(demand, plan["source"]["start"], plan["source"]["end"], 60)
        self.assertFalse(weekly)
        self.assertEqual(plan["plan"]["tps_per_hour"], tps)
        self.assertEqual(plan["plan"]["tps_per_hour"][12], 30)
        options, recommended = expected_options(tps, 10)
        for o in plan["plan"]["options"]:
            self.assertEqual(o["iu_per_hour"], options[o["name"]], o["name"])
        self.assertEqual(plan["plan"]["recommended"], recommended)
        self.assertAlmostEqual(plan["past"]["iu_hours"], 3 * 24, places=6)
        bad = run_iuprobe("emulate", "--history-csv", "/nonexistent/recorded.csv")
        self.assertEqual(bad.returncode, 3, bad.stderr)
        self.assertIn("--history-csv", bad.stderr)


class ProbeSeesScaling(unittest.TestCase):
    def probe(self, *flags):
        emulator = Emulator("--iu", "1", "--slots", "1", "--service-time", "20ms", "--queue", "1", *flags)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                images = write_images(Path(tmp) / "images")
                out = Path(tmp) / "out"
                run = run_iuprobe("probe", "--project-version-arn", emulator.model_arn, "--images", str(images),
                                  "--endpoint-url", emulator.url, "--cloudwatch-endpoint-url", emulator.url,
                                  "--iu", "1", "--precision", "0.05", "--out", str(out), "--quiet",
                                  env=emulator_env(), timeout=300)
                return run, read_json(out / "result.json")
        finally:
            emulator.stop()

    # (A steady model keeps its figure: test_probe.Demo checks recorded_units there.)
    def test_a_scale_up_the_emulator_reports_withholds_the_per_iu_figure(self):
        run, result = self.probe("--max-iu", "3", "--scale-up-after", "3s")
        self.assertIn(run.returncode, (0, 1), run.stdout + run.stderr)
        units = result["recorded_units"]
        self.assertTrue(units["autoscaled"], units)
        self.assertGreater(units["in_service_high"], 1.0)
        self.assertNotIn("tps_per_iu", result["answer"])
        self.assertTrue(any("auto-scaled while it was probed" in w for w in result["warnings"]), result["warnings"])
        self.assertNotIn("per IU     ", run.stdout)


if __name__ == "__main__":
    unittest.main()
