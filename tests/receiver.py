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
     "delay": 2.0, "hang": true, "apply": true, "retry_after": "120",
     "retry_after_date": 30, "echo": ENCODING}
or {"preset": NAME, ...} for a provider's usual failure (see PRESETS; fields
given next to it win), where "hang" holds the connection without answering until the client gives up
(bounded by --hang-max), "apply" first does what the provider would (the
request arrived, only its answer is lost), "retry_after_date" sends
Retry-After as an HTTP-date that many seconds from now, and "echo" answers
(status 400 unless given) with a plain-text error that repeats what the
request carried that could be secret (its path and query, its Authorization
value, a routing_key in its body) in one ENCODING (see ECHO_ENCODINGS).
Control requests are not recorded.

Statuspage is kept as a real one would: incidents per page, created by POST
(with an incident_update each), changed by PATCH (a new incident_update,
newest first), listed by GET .../incidents?q= (name search, newest first) and
read by GET .../incidents/ID. Its metadata is kept and returned, unless
{"statuspage_drop_metadata": true} was sent to /_control (a server that drops
it). {"statuspage_seed": {"page": ID, "incidents": [INCIDENT, ...]}} adds
incidents made earlier (e.g. last month's resolved one of the same name).
GET /_state answers {"statuspage": {page: [incident, ...]}}, not recorded.

The server stops by itself after --lifetime seconds (default 120).
"""

import argparse
import base64
import email.utils
import json
import os
import re
import select
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUSPAGE_CREATE = re.compile(r"^/v1/pages/([A-Za-z0-9_-]+)/incidents/?$")
STATUSPAGE_UPDATE = re.compile(r"^/v1/pages/([A-Za-z0-9_-]+)/incidents/([A-Za-z0-9_-]+)/?$")
BODY_MAX = 1024 * 1024


def _b64(s):
    return base64.b64encode(s.encode()).decode()


# How a careless server may repeat a secret in an error reply.
ECHO_ENCODINGS = {
    "raw": lambda s: s,
    "url": lambda s: urllib.parse.quote(s, safe=""),
    "url-lower": lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe="")),
    "url-twice": lambda s: urllib.parse.quote(urllib.parse.quote(s, safe=""), safe=""),
    "json": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "json-u": lambda s: "".join("\\u%04x" % ord(c) if c in "/:@" else c for c in s),
    "upper": lambda s: s.upper(),
    "lower": lambda s: s.lower(),
    "base64": _b64,
    "base64-shifted": lambda s: _b64("x:" + s),
    "partial": lambda s: s[len(s) // 2 - 4:len(s) // 2 + 4],
    "html": lambda s: s.replace("/", "&#x2F;").replace("&", "&amp;"),
}

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
        self.update_ids = 0
        self.sp_pages = {}           # page id -> [incident], oldest first
        self.sp_drop_metadata = False
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

    def new_update_id(self):
        with self.lock:
            self.update_ids += 1
            return "u%011d" % self.update_ids


def provider_reply(state, method, path, body, query=""):
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
        return {"status": 201, "body": statuspage_create(state, m.group(1), body)}
    if m and method == "GET":
        return {"status": 200, "body": statuspage_search(state, m.group(1), query)}
    m = STATUSPAGE_UPDATE.match(path)
    if m and method in ("PATCH", "PUT"):
        return {"status": 200, "body": statuspage_patch(state, m.group(1), m.group(2), body)}
    if m and method == "GET":
        inc = statuspage_find(state, m.group(1), m.group(2))
        if inc is None:
            return {"status": 404, "body": {"error": "Not found"}}
        return {"status": 200, "body": shown(state, inc)}
    if path.startswith("/v1/") or "/pages/" in path:   # Statuspage's answer to a wrong path
        return {"status": 404, "body": {"error": "Not found"}}
    if "/services/" in path or path.startswith("/slack"):
        return {"status": 200, "body": "ok", "headers": {"Content-Type": "text/plain"}}
    return {"status": 200, "body": {"ok": True}}


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def sent_incident(body):
    try:
        sent = json.loads(body).get("incident", {})
        return sent if isinstance(sent, dict) else {}
    except (ValueError, AttributeError):
        return {}


def shown(state, inc):
    out = json.loads(json.dumps(inc))
    if state.sp_drop_metadata:
        out.pop("metadata", None)
    return out


def new_update(state, incident_id, sent):
    at = now_iso()
    return {"id": state.new_update_id(), "incident_id": incident_id, "body": sent.get("body", ""),
            "status": sent.get("status", "investigating"), "created_at": at, "updated_at": at, "display_at": at}


def statuspage_create(state, page_id, body):
    sent = sent_incident(body)
    incident_id = state.new_statuspage_id()
    at = now_iso()
    inc = {"id": incident_id, "page_id": page_id, "name": sent.get("name", ""),
           "status": sent.get("status", "investigating"), "impact": sent.get("impact_override", "none"),
           "created_at": at, "updated_at": at, "shortlink": "http://stspg.io/" + incident_id,
           "metadata": sent.get("metadata") or {},
           "incident_updates": [new_update(state, incident_id, sent)]}
    with state.lock:
        state.sp_pages.setdefault(page_id, []).append(inc)
    return shown(state, inc)


def statuspage_find(state, page_id, incident_id):
    with state.lock:
        for inc in state.sp_pages.get(page_id, []):
            if inc["id"] == incident_id:
                return inc
    return None


def statuspage_patch(state, page_id, incident_id, body):
    sent = sent_incident(body)
    inc = statuspage_find(state, page_id, incident_id)
    if inc is None:   # an incident this receiver did not make: take it as known
        at = now_iso()
        inc = {"id": incident_id, "page_id": page_id, "name": "", "status": "investigating", "impact": "none",
               "created_at": at, "updated_at": at, "metadata": {}, "incident_updates": []}
        with state.lock:
            state.sp_pages.setdefault(page_id, []).append(inc)
    update = new_update(state, incident_id, sent)
    with state.lock:
        for k in ("status", "name"):
            if k in sent:
                inc[k] = sent[k]
        if "impact_override" in sent:
            inc["impact"] = sent["impact_override"]
        if isinstance(sent.get("metadata"), dict):
            inc["metadata"] = sent["metadata"]
        inc["incident_updates"].insert(0, update)
        inc["updated_at"] = inc["incident_updates"][0]["created_at"]
    return shown(state, inc)


def statuspage_search(state, page_id, query):
    q = urllib.parse.parse_qs(query)
    text = (q.get("q") or [""])[0].lower()
    limit = int((q.get("limit") or ["100"])[0])
    with state.lock:
        found = [inc for inc in state.sp_pages.get(page_id, []) if text in inc.get("name", "").lower()]
    found.sort(key=lambda i: i.get("created_at", ""), reverse=True)
    return [shown(state, inc) for inc in found[:limit]]


def echo_reply(reply, path, query, headers, body):
    """A plain-text error repeating what the request carried, in one encoding."""
    enc = ECHO_ENCODINGS[reply["echo"]]
    carried = []
    auth = headers.get("Authorization")
    if auth:
        carried.append(auth.split(" ", 1)[-1])
    try:
        key = json.loads(body).get("routing_key")
        if key:
            carried.append(key)
    except (ValueError, AttributeError):
        pass
    carried.append(path + ("?" + query if query else ""))
    return {"status": reply.get("status", 400),
            "body": "rejected " + " and ".join(enc(c) for c in carried)}


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
        if path == "/_state":
            with state.lock:
                data = json.dumps({"statuspage": state.sp_pages})
            self.send_plain(200, data)
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
            reply = state.next_reply(path)
            if reply and reply.get("echo"):
                reply = echo_reply(reply, path, query, headers, body)
            elif reply and reply.get("apply"):
                provider_reply(state, self.command, path, body, query)  # done, the answer is lost
            reply = reply or provider_reply(state, self.command, path, body, query)
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
                if "statuspage_drop_metadata" in req:
                    state.sp_drop_metadata = bool(req["statuspage_drop_metadata"])
                seed = req.get("statuspage_seed")
                if seed:
                    state.sp_pages.setdefault(seed["page"], [])[:0] = list(seed["incidents"])
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
