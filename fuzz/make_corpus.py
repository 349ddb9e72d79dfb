#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora in fuzz/corpus/<target>/ from the inputs the unit and integration
tests use (run it after changing a format; the files are kept in the repository). Seeds are
small on purpose: libFuzzer mutates them, and caps new inputs at the largest seed's length
(at least 4 KB). Inputs that once crashed a target (crash-*, copied from bench/fuzz.sh's work
directory) are kept: they are the regression tests of their fixes."""

import base64
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import png_bytes  # noqa: E402

CORPUS = HERE / "corpus"
ARN = "arn:aws:rekognition:us-east-1:123456789012:project/demo/version/demo.v1/1600000000001"


def write(target: str, name: str, data) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data.encode() if isinstance(data, str) else data)


def with_body(head: str, body: str) -> str:
    """A response head (status line and fields) with `body` and its Content-Length."""
    return f"{head}Content-Length: {len(body.encode())}\r\n\r\n{body}"


def small_jpeg() -> bytes:
    """The head of a 64x64 JPEG that `iuprobe emulate --write-samples` would write: up to the
    start of the scan, which is all that the header reader needs."""
    # A baseline JPEG's markers, without entropy-coded data: SOI, DQT, SOF0 64x64x3, DHT, SOS.
    soi = b"\xff\xd8"
    dqt = b"\xff\xdb\x00\x43\x00" + bytes([1] * 64)
    sof = b"\xff\xc0\x00\x11\x08\x00\x40\x00\x40\x03\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    dht = b"\xff\xc4\x00\x14\x00" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\xff\xda\x00\x0c\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"
    return soi + dqt + sof + dht + sos + b"\x00" * 16 + b"\xff\xd9"


def main() -> None:
    # Responses: a split byte, then the bytes an endpoint sends.
    responses = {
        "ok": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "throttled": with_body("HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: "
                               "ProvisionedThroughputExceededException:http://internal.amazon.com/\r\n"
                               "Content-Type: application/x-amz-json-1.1\r\n",
                               '{"__type":"ProvisionedThroughputExceededException","Message":"Rate exceeded"}'),
        "json-type": with_body("HTTP/1.1 400 Bad Request\r\n",
                               '{"__type":"com.amazonaws#InvalidImageFormatException","message":"bad"}'),
        "429": with_body("HTTP/1.1 429 Too Many Requests\r\n", "slow down"),
        "chunked": "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nbusy!\r\n0\r\n\r\n",
        "until-close": "HTTP/1.0 429 Too Many Requests\r\nConnection: close\r\n\r\nslow down",
        "head-only": "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    }
    for i, (name, text) in enumerate(responses.items()):
        write("response", name, bytes([i * 17]) + text.encode())
    # Split at 0, so that the scanner's fast reader sees each whole (and is compared with Beast).
    whole = {
        "fast-nginx": with_body("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 07:00:00 GMT\r\n"
                                "Content-Type: application/octet-stream\r\nConnection: keep-alive\r\n", "hello\n"),
        "fast-aws-error": with_body("HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: 8f1c\r\nx-amzn-ErrorType: "
                                    "ProvisionedThroughputExceededException:http://internal.amazon.com/\r\n"
                                    "Connection: close\r\n", '{"__type":"ProvisionedThroughputExceededException"}'),
        "fast-refuses-del": with_body("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nX-Value: abcdefgh\x7fijklmnop\r\n", "ok"),
    }
    for name, text in whole.items():
        write("response", name, b"\x00" + text.encode())

    png = png_bytes(64, 64)
    jpeg = small_jpeg()
    write("image_info", "png-64", png)
    write("image_info", "jpeg-64", jpeg)
    write("image_info", "png-header-5000", png_bytes(64, 64)[:33].replace(
        b"\x00\x00\x00\x40\x00\x00\x00\x40", b"\x00\x00\x13\x88\x00\x00\x00\x40"))

    def detect(**image) -> str:
        return json.dumps({"ProjectVersionArn": ARN, "Image": image, "MinConfidence": 50, "MaxResults": 5})
    write("detect_request", "png", detect(Bytes=base64.b64encode(png).decode()))
    write("detect_request", "jpeg", detect(Bytes=base64.b64encode(jpeg).decode()))
    write("detect_request", "s3", detect(S3Object={"Bucket": "b", "Name": "k.jpg"}))
    write("detect_request", "bad-base64", detect(Bytes="not base64!"))
    write("detect_request", "bad-arn", json.dumps({"ProjectVersionArn": "arn:aws:s3:::x", "Image": {}}))

    # AWS's SigV4 test suite (tests/data/sigv4, Apache-2.0): its signed requests, with the CRLF
    # line ends of HTTP (the suite's files end lines with LF) and the blank line after the head.
    for sreq in sorted((ROOT / "tests" / "data" / "sigv4").glob("*/*.sreq")):
        head = sreq.read_bytes().rstrip(b"\n").split(b"\n")
        write("sigv4_verify", sreq.stem, b"\r\n".join(head) + b"\r\n\r\n")

    write("emulator_config", "every-key", json.dumps({
        "region": "eu-west-1", "account": "111122223333", "seed": 9, "verify_signatures": False,
        "credentials": [{"access_key_id": "AKIDTEST", "secret_access_key": "s3cret"}],
        "models": [{"project": "cars", "version": "cars.v2", "type": "detection", "labels": ["car", "bus"],
                    "status": "STOPPED", "inference_units": 2, "max_inference_units": 4,
                    "base_service": "80ms", "service_per_megapixel": "15ms", "jitter": 0.2,
                    "slots_per_iu": 3, "queue_per_iu": 1, "start_time": "10s", "stop_time": "3s",
                    "scale_up_after": "30s", "scale_down_after": "2m"}]}))
    write("emulator_config", "limiter", json.dumps({"models": [{
        "slots_per_iu": 50, "limiter": "token_bucket", "limit_per_iu": 100, "burst": "5s",
        "slowdown": 1, "history_days": 2}]}))
    write("emulator_config", "null-maximum", '{"models": [{"max_inference_units": null}]}')
    write("emulator_config", "faults", json.dumps({
        "max_buffered_bytes": 16777216,
        "credentials": [{"access_key_id": "AKIDTEMP", "secret_access_key": "s3cret",
                         "expires": "2026-12-02T14:05:00Z"}],
        "models": [{"stop_failures": ["ThrottlingException", "InternalServerError", "LimitExceededException",
                                      "AccessDeniedException"]}]}))

    write("history_csv", "columns", "time,requests,throttled,inference_units\n# exported\n"
          "1796601600,120,0,2\n2026-12-07T00:01Z,130,10\n2026-12-07 00:02:30,5\r\n")

    write("aws_config", "config", "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\n"
          "s3 =\n  max_concurrent_requests = 20\n; comment\n# comment\n")
    write("aws_config", "credentials", "[default]\naws_access_key_id = AKIDEXAMPLE\n"
          "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\naws_session_token = tok\n")

    write("plan_profile", "day", "hour,tps\n# a day\n" + "".join(f"{h},{(h * 7) % 40 + 0.5}\n" for h in range(24)))

    write("probe_result", "found", json.dumps({
        "schema": "iuprobe.probe", "limits": {"arrivals": "uniform", "max_error_rate": 0},
        "answer": {"verdict": "found", "capacity_tps": 99.5, "tps_per_iu": 99.5,
                   "saturated": {"goodput_tps": 100.2}}}))
    write("probe_result", "poisson", json.dumps({
        "schema": "iuprobe.probe", "limits": {"arrivals": "poisson", "max_error_rate": 0.001,
                                              "confidence": 0.95},
        "answer": {"verdict": "found", "capacity_tps": 36.3, "tps_per_iu": 36.3}}))
    write("probe_result", "generator-limited", json.dumps({
        "schema": "iuprobe.probe", "answer": {"verdict": "generator-limited", "capacity_tps": 900}}))

    # The first byte picks the parser, in fuzz/flags.cpp's order.
    flags = [(0, "250ms"), (0, "1h30m"), (1, "16MiB"), (2, "200/s"), (3, "10,20,40"), (4, "1.5e3"),
             (5, "https://[::1]:8443/p?q=1"), (6, "[::1]:0"), (7, "Content-Type: image/jpeg"),
             (8, "20150830T123600Z")]
    for i, (parser, text) in enumerate(flags):
        write("flags", f"{i:02d}", bytes([parser]) + text.encode())


if __name__ == "__main__":
    main()
