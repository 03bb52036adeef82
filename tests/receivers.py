"""Real HTTP and SMTP servers for delivery tests, started and stopped by fixtures."""

import http.server
import json
import socket
import threading
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class HttpReceiver:
    """Records every POST; answers with the next status in `script`, then 200. While `hold` is set,
    a request is recorded and then kept waiting until `release` is set (a receiver that hangs)."""

    url: str = ""
    requests: list = field(default_factory=list)
    script: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    def json_bodies(self):
        return [json.loads(request["body"]) for request in self.requests if request["status"] < 300]


def start_http_receiver(port: int | None = None):
    receiver = HttpReceiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                status = receiver.script.pop(0) if receiver.script else 200
                receiver.requests.append({"headers": dict(self.headers), "body": body, "status": status})
            if receiver.hold:
                receiver.release.wait(60)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"nope")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return receiver, server


@dataclass
class SmtpSink:
    """Keeps every accepted message; answers 451 (try again later) to the first `fail` messages."""

    fail: int = 0
    messages: list = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail > 0:
            self.fail -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.messages.append({"to": list(envelope.rcpt_tos), "content": envelope.content})
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for message in self.messages if address in message["to"]]


def start_smtp_sink(fail: int = 0):
    """A real SMTP server on a free port (aiosmtpd's self-check fails on port 0)."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(fail=fail)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return sink, controller
