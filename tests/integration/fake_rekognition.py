# SPDX-License-Identifier: Apache-2.0
"""A minimal stand-in for Rekognition's model lifecycle (STOPPED -> STARTING -> RUNNING ->
STOPPING -> STOPPED, on timers) and DetectCustomLabels, for testing iuprobe's model handling
from the outside. It checks no signatures and decodes no images."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROJECT_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/demo/1500000000000"
VERSION_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/demo/version/demo.v1/1600000000000"


class FakeRekognition:
    def __init__(self, start_seconds=0.5, stop_seconds=0.3, status="STOPPED"):
        self.start_seconds, self.stop_seconds = start_seconds, stop_seconds
        self.lock = threading.Lock()
        self.status, self.changed_at, self.min_iu = status, time.monotonic(), 0
        self.operations = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = self.headers.get("X-Amz-Target", ".").split(".", 1)[1]
                code, answer = fake.handle(operation, json.loads(body or b"{}"))
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def current_status(self):
        with self.lock:
            elapsed = time.monotonic() - self.changed_at
            if self.status == "STARTING" and elapsed >= self.start_seconds:
                self.status, self.changed_at = "RUNNING", time.monotonic()
            if self.status == "STOPPING" and elapsed >= self.stop_seconds:
                self.status, self.changed_at = "STOPPED", time.monotonic()
            return self.status

    def set_status(self, status):
        with self.lock:
            self.status, self.changed_at = status, time.monotonic()

    def handle(self, operation, body):
        self.operations.append(operation)
        status = self.current_status()
        error = lambda kind, message: (400, {"__type": kind, "Message": message})
        if operation == "DetectCustomLabels":
            if status != "RUNNING":
                return error("ResourceNotReadyException", f"the model is {status}")
            return 200, {"CustomLabels": [{"Name": "demo", "Confidence": 99.0}]}
        if operation == "DescribeProjects":
            return 200, {"ProjectDescriptions": [{"ProjectArn": PROJECT_ARN, "Status": "CREATED"}]}
        if operation == "DescribeProjectVersions":
            return 200, {"ProjectVersionDescriptions": [
                {"ProjectVersionArn": VERSION_ARN, "Status": status, "MinInferenceUnits": self.min_iu}]}
        if operation == "StartProjectVersion":
            if status not in ("STOPPED", "TRAINING_COMPLETED"):
                return error("ResourceInUseException", f"the model is {status}")
            self.min_iu = body.get("MinInferenceUnits", 0)
            self.set_status("STARTING")
            return 200, {"Status": "STARTING"}
        if operation == "StopProjectVersion":
            if status != "RUNNING":
                return error("ResourceInUseException", f"the model is {status}")
            self.set_status("STOPPING")
            return 200, {"Status": "STOPPING"}
        return error("UnknownOperationException", operation)
