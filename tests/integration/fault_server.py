# SPDX-License-Identifier: Apache-2.0
"""A small HTTP/1.1 keep-alive server for the fault tests, on asyncio: a token bucket of RATE/s
(burst: one second) answers 200 within it and 429 beyond, and one fault is injected for a while:

  --fault 5xx        answers 500 to every request for FOR seconds from the AFTER-th request on
  --fault reset      resets (RST) the connection instead of answering one request in EVERY
  --fault truncate   answers one request in EVERY with a Content-Length it does not send, then closes
  --fault down       at the AFTER-th request, stops listening and closes every connection for FOR
                     seconds, then listens again on the same port

Faults start at a request count, not a time, so that they meet the same probe step however fast
the machine is.

It prints its port, then a JSON line of what it did when it ends (SIGTERM)."""

import argparse
import asyncio
import json
import signal
import socket
import struct
import sys
import time


class Bucket:
    def __init__(self, rate: float):
        self.rate, self.tokens, self.last = rate, rate, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Server:
    def __init__(self, args):
        self.args = args
        self.bucket = Bucket(args.rate)
        self.fault_started = None
        self.requests = 0
        self.counts = {"ok": 0, "throttled": 0, "fault": 0}
        self.writers = set()
        self.server = None

    def in_window(self) -> bool:
        if self.fault_started is None and self.requests >= self.args.after:
            self.fault_started = time.monotonic()
        return self.fault_started is not None and time.monotonic() - self.fault_started < self.args.for_

    async def handle(self, reader, writer):
        self.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                fault = self.args.fault
                if fault == "5xx" and self.in_window():
                    self.counts["fault"] += 1
                    writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops\n")
                elif fault in ("reset", "truncate") and self.requests % self.args.every == 0:
                    self.counts["fault"] += 1
                    if fault == "reset":
                        sock = writer.get_extra_info("socket")
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    else:
                        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
                        await writer.drain()
                    writer.close()
                    return
                elif self.bucket.take():
                    self.counts["ok"] += 1
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                else:
                    self.counts["throttled"] += 1
                    writer.write(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 5\r\n\r\nslow\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    def listen(self, port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(1024)
        return sock

    async def outage(self, port: int):
        """Down at AT: the listener closed (new connections refused) and every connection
        aborted; up again, on the same port, FOR seconds later."""
        while self.requests < self.args.after:
            await asyncio.sleep(0.005)
        self.server.close()
        self.counts["fault"] += 1
        for writer in list(self.writers):
            writer.transport.abort()
        await asyncio.sleep(self.args.for_)
        self.server = await asyncio.start_server(self.handle, sock=self.listen(port))

    async def main(self):
        sock = self.listen(0)
        port = sock.getsockname()[1]
        self.server = await asyncio.start_server(self.handle, sock=sock)
        print(port, flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        if self.args.fault == "down":
            asyncio.ensure_future(self.outage(port))
        await stop.wait()
        print(json.dumps({"requests": self.requests, **self.counts}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--fault", choices=["none", "5xx", "reset", "truncate", "down"], default="none")
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--for", dest="for_", type=float, default=0)
    parser.add_argument("--every", type=int, default=50)
    asyncio.run(Server(parser.parse_args()).main())


if __name__ == "__main__":
    sys.exit(main())
