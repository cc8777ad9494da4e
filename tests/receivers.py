"""A small HTTP receiver on loopback that checks what the WeCom, DingTalk and webhook channels post.

``Receiver(kind, secret=…)`` serves on 127.0.0.1 (or another loopback ``host``) on a free port
(or ``port``) in a thread. Each request is
checked against the format its service documents (and the signature, when there is a secret);
``problems`` lists what was wrong with each, ``received`` the bodies that passed. ``answers``
is a queue of (status, JSON) replies to give before the default success, or "hang" to make the
client time out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "wecom-key-0000-SECRET-1234"
TOKEN = "dingtalk-token-SECRET-5678"
DING_SECRET = "SECdingtalk-signing-secret-9012"
HOOK_SECRET = "hook-hmac-secret-3456"


def _check_wecom(query, body):
    problems = []
    if query.get("key") != [KEY]:
        problems.append("missing or wrong key")
    if set(body) != {"msgtype", "markdown"} or body["msgtype"] != "markdown":
        problems.append("not a markdown message")
    elif set(body["markdown"]) != {"content"} or not body["markdown"]["content"]:
        problems.append("markdown needs exactly a content")
    elif len(body["markdown"]["content"].encode()) > 4096:
        problems.append("content over 4096 bytes")
    return problems


def _check_dingtalk(query, body, secret):
    problems = []
    if query.get("access_token") != [TOKEN]:
        problems.append("missing or wrong access_token")
    if secret:
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
            problems.append("timestamp missing or more than an hour away")
        else:
            expected = base64.b64encode(
                hmac.new(
                    secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            # parse_qs has already URL-decoded the sign once, as DingTalk does.
            if not hmac.compare_digest(sign, expected):
                problems.append("bad signature")
    if body.get("msgtype") != "markdown" or set(body.get("markdown", {})) != {"title", "text"}:
        problems.append("markdown needs a title and a text")
    return problems


def _check_webhook(headers, raw, body, secret):
    problems = []
    if set(body) != {"event", "id", "title", "text", "url"}:
        problems.append("body needs event, id, title, text, url")
    if secret:
        timestamp = headers.get("X-Hengkou-Timestamp", "")
        signed = f"{timestamp}.".encode() + raw
        expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Hengkou-Signature", ""), expected):
            problems.append("bad signature")
    return problems


class Receiver:
    def __init__(self, kind: str, *, secret: str = "", host: str = "127.0.0.1", port: int = 0):
        self.kind, self.secret, self.host = kind, secret, host
        self.received, self.problems, self.answers, self.raw_paths = [], [], [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        base = f"http://{self.host}:{self.port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={KEY}",
            "dingtalk": f"{base}/robot/send?access_token={TOKEN}",
            "webhook": f"{base}/hooks/hengkou",
        }[self.kind]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request):
        raw = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        self.raw_paths.append(request.path)
        answer = self.answers.pop(0) if self.answers else None
        if answer == "hang":
            time.sleep(1.5)
            return
        query = parse_qs(urlsplit(request.path).query)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if self.kind == "wecom":
            problems = _check_wecom(query, body)
        elif self.kind == "dingtalk":
            problems = _check_dingtalk(query, body, self.secret)
        else:
            problems = _check_webhook(request.headers, raw, body, self.secret)
        if problems:
            self.problems.append(problems)
            status, reply = 400, {"errcode": 400, "errmsg": "; ".join(problems)}
        elif answer is not None:
            status, reply = answer
        else:
            self.received.append(body)
            status, reply = 200, {"errcode": 0, "errmsg": "ok"}
        data = json.dumps(reply).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
