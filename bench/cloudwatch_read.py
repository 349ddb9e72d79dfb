#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How long `iuprobe plan --cloudwatch` takes to read a model's history, beside boto3 reading the same.

Cases (medians of --repeat runs):
  1. moto's CloudWatch holding --days (default 14) of per-minute SuccessfulRequestCount,
     ThrottledCount and InServiceInferenceUnits for one model, put through boto3:
     a. `iuprobe plan --cloudwatch` (its own "read ... in X s" and the command's wall time);
     b. peer: boto3's get_metric_data with the same 8 queries and the same day-long calls
        (botocore speaks CBOR to CloudWatch, iuprobe AWS JSON 1.0);
  2. `iuprobe emulate --history-days N` (14 and 63 days: 1-minute and 5-minute points),
     `iuprobe plan --cloudwatch` against it.
moto answers GetMetricData in time proportional to (periods asked) x (points stored in the range),
so reading a day per call keeps it linear in the days read; one 14-day call of minutes costs it
over a minute per query. Needs a release build and moto (scripts/setup.sh).
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402

IUPROBE = os.environ.get("IUPROBE_BIN", str(ROOT / "build" / "release" / "src" / "app" / "iuprobe"))
harness.IUPROBE = IUPROBE
ARN = "arn:aws:rekognition:us-east-1:123456789012:project/shop/version/shop.v3/1600000000000"
MODEL = [{"Name": "ProjectName", "Value": "shop"}, {"Name": "VersionName", "Value": "shop.v3"}]


def plan(endpoint: str, arn: str, days: int, env: dict) -> dict:
    started = time.monotonic()
    run = subprocess.run([IUPROBE, "plan", "--tps-per-iu", "10", "--cloudwatch", "--project-version-arn", arn,
                          "--days", str(days), "--cloudwatch-endpoint-url", endpoint],
                         capture_output=True, text=True, env=env, timeout=1800)
    wall = time.monotonic() - started
    if run.returncode != 0:
        raise RuntimeError(run.stdout + run.stderr)
    read = re.search(r"read ([\d,]+) points in (\d+) GetMetricData calls? \((\d+) retried\) in ([\d.]+) s",
                     run.stdout)
    return {"points": int(read.group(1).replace(",", "")), "calls": int(read.group(2)),
            "read_s": float(read.group(4)), "wall_s": wall}


def boto3_read(client, days: int) -> dict:
    end = int(time.time()) // 3600 * 3600
    start = end - days * 86400
    queries = [{"Id": name.lower(), "MetricStat": {"Metric": {"Namespace": "AWS/Rekognition", "MetricName": metric,
                                                               "Dimensions": MODEL},
                                                    "Period": 60, "Stat": stat}}
               for name, metric, stat in [("s", "SuccessfulRequestCount", "Sum"), ("t", "ThrottledCount", "Sum"),
                                          ("e", "ServerErrorCount", "Sum"), ("u", "UserErrorCount", "Sum"),
                                          ("i", "InServiceInferenceUnits", "Average"),
                                          ("d", "DesiredInferenceUnits", "Average"),
                                          ("n", "MinInferenceUnits", "Average"),
                                          ("x", "MaxInferenceUnits", "Average")]]
    started, points, calls = time.monotonic(), 0, 0
    for day in range(days):
        kwargs = {"MetricDataQueries": queries, "ScanBy": "TimestampAscending",
                  "StartTime": datetime.datetime.fromtimestamp(start + day * 86400, datetime.timezone.utc),
                  "EndTime": datetime.datetime.fromtimestamp(start + (day + 1) * 86400, datetime.timezone.utc)}
        while True:
            page = client.get_metric_data(**kwargs)
            calls += 1
            points += sum(len(r["Values"]) for r in page["MetricDataResults"])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return {"points": points, "calls": calls, "read_s": time.monotonic() - started, "wall_s": None}


def median_of(runs):
    return {k: (statistics.median(r[k] for r in runs) if runs[0][k] is not None else None) for k in runs[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import boto3
    from botocore.config import Config

    rows = []
    port = harness.free_port()
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        harness.wait_for_port(port, timeout=30)
        url = f"http://127.0.0.1:{port}"
        client = boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1", aws_access_key_id="a",
                              aws_secret_access_key="b", config=Config(disable_request_compression=True))
        now = int(time.time()) // 60 * 60
        started = time.monotonic()
        data = []
        for t in range(now - (args.days + 1) * 86400, now, 60):
            stamp = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            data += [{"MetricName": m, "Dimensions": MODEL, "Timestamp": stamp, "Value": v, "Unit": "Count"}
                     for m, v in (("SuccessfulRequestCount", 600), ("ThrottledCount", 6),
                                  ("InServiceInferenceUnits", 2))]
        for i in range(0, len(data), 1000):
            client.put_metric_data(Namespace="AWS/Rekognition", MetricData=data[i:i + 1000])
        print(f"moto: {len(data):,} points put in {time.monotonic() - started:.1f} s", file=sys.stderr)
        env = harness.aws_env("a", "b")
        rows.append(("iuprobe plan --cloudwatch", "moto", args.days,
                     median_of([plan(url, ARN, args.days, env) for _ in range(args.repeat)])))
        rows.append(("boto3 get_metric_data, same calls", "moto", args.days,
                     median_of([boto3_read(client, args.days) for _ in range(args.repeat)])))
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    for days in (14, 63):
        emulator = harness.Emulator("--history-days", str(days))
        try:
            rows.append(("iuprobe plan --cloudwatch", "iuprobe emulate", days,
                         median_of([plan(emulator.url, emulator.model_arn, days, harness.emulator_env())
                                    for _ in range(args.repeat)])))
        finally:
            emulator.stop()

    print(f"\nreading a model's CloudWatch history, medians of {args.repeat}; {os.cpu_count()} cores")
    print(f"{'reader':<36} {'server':<16} {'days':>5} {'points':>9} {'calls':>6} {'read s':>8} {'wall s':>8}")
    print("-" * 95)
    for reader, server, days, r in rows:
        wall = f"{r['wall_s']:.2f}" if r["wall_s"] is not None else "-"
        print(f"{reader:<36} {server:<16} {days:>5} {int(r['points']):>9,} {int(r['calls']):>6} "
              f"{r['read_s']:>8.2f} {wall:>8}")
    ours, theirs = rows[0][3]["read_s"], rows[1][3]["read_s"]
    print(f"iuprobe / boto3 read time on moto, same calls: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
