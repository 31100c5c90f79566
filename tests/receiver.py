#!/usr/bin/env python3
"""A provider-like HTTP receiver for the tests, on 127.0.0.1 only.

It answers as Slack, PagerDuty, Statuspage or a generic webhook would, or as a
scenario says, and records every request it receives, so tests can assert on
what warroom actually sent.

    receiver.py LOG [--port-file FILE] [--lifetime SECONDS] [--hang-max SECONDS]

The port is printed as the first line on stdout (and written to --port-file).
Each request is appended to LOG as one JSON object per line, at arrival:
    {"seq", "t" (Unix s, float), "method", "path", "query", "headers", "body",
     "concurrent" (requests being handled at that moment, this one included)}

Scenarios: POST /_control with JSON
    {"path": "/x", "replies": [REPLY, ...], "default": REPLY}
queues REPLYs for PATH (consumed in order, then "default", then the provider's
usual answer); "path": "*" applies to any path without its own scenario;
{"reset": true} forgets every scenario. A REPLY is
    {"status": 429, "body": "text" or a JSON value, "headers": {...},
     "delay": 2.0, "hang": true, "retry_after": "120", "retry_after_date": 30}
or {"preset": NAME, ...} for a provider's usual failure (see PRESETS; fields
given next to it win), where "hang" holds the connection without answering until the client gives up
(bounded by --hang-max), and "retry_after_date" sends Retry-After as an
HTTP-date that many seconds from now. Control requests are not recorded.

The server stops by itself after --lifetime seconds (default 120).
"""

import argparse
import email.utils
import json
import os
import re
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUSPAGE_CREATE = re.compile(r"^/v1/pages/([A-Za-z0-9_-]+)/incidents/?$")
STATUSPAGE_UPDATE = re.compile(r"^/v1/pages/([A-Za-z0-9_-]+)/incidents/([A-Za-z0-9_-]+)/?$")
BODY_MAX = 1024 * 1024

# The providers' own failure replies, as they document and send them.
PRESETS = {
    "pagerduty-invalid": {"status": 400, "body": {
        "status": "invalid event", "message": "Event object is invalid",
        "errors": ["'payload.summary' is missing or blank"]}},
    "pagerduty-throttled": {"status": 429, "body": {
        "status": "throttle event",
        "message": "Requests for this service are arriving too quickly. Please retry later."}},
    "slack-invalid": {"status": 400, "body": "invalid_payload"},
    "slack-no-service": {"status": 404, "body": "no_service"},
    "statuspage-unauthorized": {"status": 401, "body": {"error": "Couldn't authenticate you"}},
    "statuspage-invalid": {"status": 422, "body": {"error": ["Name can't be blank"]}},
    "statuspage-slow-down": {"status": 420, "body": {"error": "Enhance your calm"}},
    "server-error": {"status": 500, "body": "Internal Server Error"},
}


class State:
    def __init__(self, log_path, hang_max):
        self.lock = threading.Lock()
        self.log_path = log_path
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.log = os.fdopen(fd, "a", encoding="utf-8")
        self.hang_max = hang_max
        self.scenarios = {}
        self.seq = 0
        self.concurrent = 0
        self.statuspage_ids = 0
        self.stopping = threading.Event()

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            entry["concurrent"] = self.concurrent
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()

    def next_reply(self, path):
        with self.lock:
            sc = self.scenarios.get(path) or self.scenarios.get("*")
            if not sc:
                return None
            if sc["replies"]:
                return sc["replies"].pop(0)
            return sc.get("default")

    def new_statuspage_id(self):
        with self.lock:
            self.statuspage_ids += 1
            return "p%011d" % self.statuspage_ids


def provider_reply(state, method, path, body):
    """What the real provider answers to a good request."""
    if path.endswith("/enqueue"):
        dedup = None
        try:
            dedup = json.loads(body).get("dedup_key")
        except (ValueError, AttributeError):
            pass
        out = {"status": "success", "message": "Event processed"}
        if dedup is not None:
            out["dedup_key"] = dedup
        return {"status": 202, "body": out}
    m = STATUSPAGE_CREATE.match(path)
    if m and method == "POST":
        return {"status": 201, "body": statuspage_incident(state.new_statuspage_id(), m.group(1), body)}
    m = STATUSPAGE_UPDATE.match(path)
    if m and method in ("PATCH", "PUT"):
        return {"status": 200, "body": statuspage_incident(m.group(2), m.group(1), body)}
    if "/services/" in path or path.startswith("/slack"):
        return {"status": 200, "body": "ok", "headers": {"Content-Type": "text/plain"}}
    return {"status": 200, "body": {"ok": True}}


def statuspage_incident(incident_id, page_id, body):
    try:
        sent = json.loads(body).get("incident", {})
    except (ValueError, AttributeError):
        sent = {}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {
        "id": incident_id,
        "page_id": page_id,
        "name": sent.get("name", ""),
        "status": sent.get("status", "investigating"),
        "impact": sent.get("impact_override", "none"),
        "created_at": now,
        "updated_at": now,
        "shortlink": "http://stspg.io/" + incident_id,
        "incident_updates": [{"body": sent.get("body", ""), "status": sent.get("status", "")}],
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "receiver/1"

    def log_message(self, fmt, *args):  # quiet: the JSON-lines log is the record
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, BODY_MAX)) if length > 0 else b""

    def handle_any(self):
        state = self.server.state
        t = time.time()
        raw = self.read_body()
        path, _, query = self.path.partition("?")
        if path == "/_control":
            self.control(raw)
            return
        with state.lock:
            state.concurrent += 1
        try:
            headers = {}
            for k, v in self.headers.items():
                headers[k] = headers[k] + ", " + v if k in headers else v
            body = raw.decode("utf-8", "replace")
            state.record({"t": t, "method": self.command, "path": path, "query": query,
                          "headers": headers, "body": body})
            reply = state.next_reply(path) or provider_reply(state, self.command, path, body)
            self.answer(reply)
        finally:
            with state.lock:
                state.concurrent -= 1

    def control(self, raw):
        state = self.server.state
        try:
            req = json.loads(raw or b"{}")
            with state.lock:
                if req.get("reset"):
                    state.scenarios.clear()
                if "path" in req:
                    state.scenarios[req["path"]] = {"replies": list(req.get("replies", [])),
                                                    "default": req.get("default")}
            self.send_plain(200, "ok")
        except (ValueError, TypeError, AttributeError) as e:
            self.send_plain(400, "bad control request: %s" % e)

    def send_plain(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def wait(self, seconds):
        """Sleeps, but returns early (False) when the client hangs up."""
        end = time.monotonic() + seconds
        sock = self.connection
        while not self.server.state.stopping.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return True
            r, _, _ = select.select([sock], [], [], min(left, 0.2))
            if r:
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except OSError:
                    return False
        return False

    def answer(self, reply):
        if "preset" in reply:
            merged = dict(PRESETS.get(reply["preset"], {"status": 500, "body": "unknown preset"}))
            merged.update({k: v for k, v in reply.items() if k != "preset"})
            reply = merged
        if reply.get("hang"):
            self.wait(self.server.state.hang_max)
            self.close_connection = True
            return
        if reply.get("delay"):
            if not self.wait(float(reply["delay"])):
                self.close_connection = True
                return
        body = reply.get("body", "")
        headers = dict(reply.get("headers") or {})
        if isinstance(body, str):
            data = body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        if "retry_after" in reply:
            headers["Retry-After"] = str(reply["retry_after"])
        if "retry_after_date" in reply:
            headers["Retry-After"] = email.utils.formatdate(
                time.time() + float(reply["retry_after_date"]), usegmt=True)
        try:
            self.send_response(int(reply.get("status", 200)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", help="JSON-lines file to append received requests to")
    ap.add_argument("--port-file", help="also write the port here")
    ap.add_argument("--lifetime", type=float, default=120.0, help="seconds before stopping")
    ap.add_argument("--hang-max", type=float, default=60.0,
                    help="longest a 'hang' reply holds a connection")
    args = ap.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(args.log, min(args.hang_max, args.lifetime))
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()

    def stop():
        server.state.stopping.set()
        server.shutdown()

    timer = threading.Timer(args.lifetime, stop)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.state.stopping.set()
    server.state.log.flush()
    # Handler threads may still hold connections; they are daemons, and the
    # bounded lifetime is the promise, so leave without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
