#!/usr/bin/env python3
"""A stand-in for Slack's Web API on 127.0.0.1, for the slack_channel tests.

    SLACK_STANDIN_TOKEN=TOKEN slack_api.py LOG [--port-file FILE] [--lifetime SECONDS]

It keeps channels as Slack does (conversations.create, .setTopic, .invite,
.list, .history, chat.postMessage, pins.add), answers as Slack documents
(HTTP 200 with {"ok": false, "error": ...} for a refusal, name_taken,
already_in_channel, already_pinned, 429 with Retry-After), and checks every
request against tests/specs/slack_web_methods.openapi.json (the methods'
path objects from Slack's own description: HTTP method, parameters, which are
required, their types) and tests/specs/slack_limits.md (Block Kit limits,
channel name rules, topic length), plus `Authorization: Bearer TOKEN` and
`Content-Type: application/json; charset=utf-8` on a JSON body. What does not
conform is listed in the request's "violations" (and refused as Slack would).

Each request is appended to LOG as one JSON line: {"seq", "t", "http" (GET or
POST), "api" (the method), "query", "content_type", "auth" ("ok", "wrong" or
"missing": the token itself is never written), "body", "violations",
"answer" (what was sent back, or "dropped"), "gap" (chat.postMessage: seconds
since the previous message to that channel)}.

POST /_control with JSON (not recorded):
  {"faults": [{"api": "chat.postMessage", "fault": F, "count": 1,
               "error": "...", "retry_after": "1"}]}
     F: "drop_after" does the work and closes the connection without an
     answer (the answer is lost); "drop_before" closes it without doing
     anything; "ratelimited" answers 200 {"ok":false,"error":"ratelimited"}
     with Retry-After; "429" answers HTTP 429 with Retry-After; "error"
     answers {"ok":false,"error": ERROR}; "slow" does the work at once and
     answers after SECONDS (default 5). Faults are used in order, each
     COUNT times.
  {"seed_channel": {"name": "...", "created": UNIX_S}}: a channel that was
     there before (somebody else's), so creating that name is name_taken.
  {"page_size": N}: conversations.list answers at most N channels a page
     (0: up to its limit), oldest first, with a next_cursor while there are
     more; {"cursor": "..."} answers that next_cursor instead (null: its own).
GET /_state answers {"channels": [...]} with members, topic, messages, pins.
"""

import argparse
import base64
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = json.load(open(os.path.join(HERE, "specs", "slack_web_methods.openapi.json")))

# tests/specs/slack_limits.md
HEADER_MAX = 150
SECTION_MAX = 3000
FIELDS_MAX = 10
FIELD_MAX = 2000
BLOCKS_MAX = 50
BLOCK_ID_MAX = 255
TOPIC_MAX = 250
NAME_RE = re.compile(r"^[a-z0-9_-]{1,80}$")
USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")

lock = threading.Lock()
state = {"channels": {}, "next_id": 1, "next_ts": 1, "faults": [], "last_post": {}, "seq": 0, "page_size": 0,
         "cursor": None}


def units(s):
    return len(s.encode("utf-16-le")) // 2


def check_params(api, verb, params, violations):
    """The spec's parameters for API: known names, required ones, types."""
    item = SPEC["paths"].get("/" + api)
    if item is None:
        violations.append("no such method in the spec: " + api)
        return
    op = item.get(verb.lower())
    if op is None:
        violations.append("%s is not %s in the spec" % (api, verb))
        return
    where = "formData" if verb == "POST" else "query"
    spec = {p["name"]: p for p in op["parameters"] if p["in"] == where}
    for name, value in params.items():
        p = spec.get(name)
        if p is None or name == "token":
            violations.append("%s: unknown parameter %s" % (api, name))
            continue
        t = p.get("type")
        if verb == "GET":
            if t == "boolean" and value not in ("true", "false", "1", "0"):
                violations.append("%s: %s is not a boolean" % (api, name))
            if t in ("integer", "number"):
                try:
                    float(value)
                except ValueError:
                    violations.append("%s: %s is not a number" % (api, name))
            continue
        if t == "boolean" and not isinstance(value, bool):
            violations.append("%s: %s is not a boolean" % (api, name))
        if t == "string" and name in ("blocks", "attachments"):
            if not isinstance(value, (list, str)):
                violations.append("%s: %s is not a list of blocks" % (api, name))
        elif t == "string" and not isinstance(value, str):
            violations.append("%s: %s is not a string" % (api, name))
    for name, p in spec.items():
        if p.get("required") and name != "token" and name not in params:
            violations.append("%s: required parameter %s is missing" % (api, name))


def check_blocks(blocks, violations):
    if not isinstance(blocks, list):
        violations.append("blocks is not a list")
        return
    if len(blocks) > BLOCKS_MAX:
        violations.append("%d blocks (at most %d)" % (len(blocks), BLOCKS_MAX))
    ids = set()
    for b in blocks:
        kind = b.get("type")
        bid = b.get("block_id")
        if bid is not None:
            if not isinstance(bid, str) or len(bid) > BLOCK_ID_MAX or bid in ids:
                violations.append("bad or repeated block_id")
            ids.add(bid)
        if kind == "header":
            t = b.get("text", {})
            if t.get("type") != "plain_text" or not t.get("text") or units(t["text"]) > HEADER_MAX:
                violations.append("header text is not plain_text of 1..150")
        elif kind == "section":
            t = b.get("text")
            if t is not None:
                if t.get("type") not in ("mrkdwn", "plain_text") or not t.get("text", "").strip() \
                        or units(t["text"]) > SECTION_MAX:
                    violations.append("section text is not 1..3000")
            fields = b.get("fields", [])
            if len(fields) > FIELDS_MAX:
                violations.append("more than 10 fields")
            for f in fields:
                if not f.get("text") or units(f["text"]) > FIELD_MAX:
                    violations.append("a field is not 1..2000")
            if t is None and not fields:
                violations.append("a section with neither text nor fields")
        elif kind not in ("context", "divider"):
            violations.append("unexpected block type %r" % kind)


def answer_of(api, params, violations):
    """Does what Slack would; returns the JSON answer."""
    chans = state["channels"]
    if violations:
        return {"ok": False, "error": "invalid_arguments"}
    if api == "conversations.create":
        name = params.get("name", "")
        if not NAME_RE.match(name):
            violations.append("channel name breaks Slack's rules: %r" % name)
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c["name"] == name for c in chans.values()):
            return {"ok": False, "error": "name_taken"}
        cid = "C%08d" % state["next_id"]
        state["next_id"] += 1
        chans[cid] = {"id": cid, "name": name, "created": int(time.time()), "topic": "", "members": [],
                      "messages": [], "pins": []}
        return {"ok": True, "channel": {"id": cid, "name": name, "created": chans[cid]["created"]}}
    if api == "conversations.list":
        # a page at a time, as Slack does: at most `limit`, and often fewer
        # (the control's page_size); the cursor is opaque base64
        order = sorted(chans.values(), key=lambda c: c["id"])
        start = 0
        if params.get("cursor"):
            try:
                start = int(base64.b64decode(params["cursor"], validate=True).decode().split(":")[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                return {"ok": False, "error": "invalid_cursor"}
        size = min(int(params.get("limit", "100") or 100), state["page_size"] or 1000)
        page = order[start:start + size]
        more = start + size < len(order)
        cursor = base64.b64encode(("channel:%d" % (start + size)).encode()).decode() if more else ""
        if more and state["cursor"] is not None:
            cursor = state["cursor"]
        return {"ok": True, "channels": [{"id": c["id"], "name": c["name"], "created": c["created"]} for c in page],
                "response_metadata": {"next_cursor": cursor}}
    c = chans.get(params.get("channel", ""))
    if c is None:
        return {"ok": False, "error": "channel_not_found"}
    if api == "conversations.setTopic":
        topic = params.get("topic", "")
        if units(topic) > TOPIC_MAX:
            violations.append("topic longer than 250")
            return {"ok": False, "error": "too_long"}
        c["topic"] = topic
        return {"ok": True, "channel": {"id": c["id"], "name": c["name"], "topic": {"value": topic}}}
    if api == "conversations.invite":
        users = params.get("users", "").split(",")
        if not users or len(users) > 1000 or not all(USER_RE.match(u) for u in users):
            violations.append("users is not a list of 1..1000 user ids")
            return {"ok": False, "error": "user_not_found"}
        new = [u for u in users if u not in c["members"]]
        if not new:
            return {"ok": False, "error": "already_in_channel"}
        c["members"] += new
        return {"ok": True, "channel": {"id": c["id"], "name": c["name"]}}
    if api == "chat.postMessage":
        if "blocks" in params:
            check_blocks(params["blocks"], violations)
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if violations:
            return {"ok": False, "error": "invalid_blocks"}
        ts = "%d.%06d" % (int(time.time()), state["next_ts"])
        state["next_ts"] += 1
        msg = {"type": "message", "ts": ts, "text": params.get("text", ""), "blocks": params.get("blocks", [])}
        c["messages"].append(msg)
        return {"ok": True, "channel": c["id"], "ts": ts, "message": msg}
    if api == "conversations.history":
        oldest = float(params.get("oldest", "0") or 0)
        msgs = [m for m in reversed(c["messages"]) if float(m["ts"]) >= oldest]
        return {"ok": True, "messages": msgs, "has_more": False, "pin_count": len(c["pins"]),
                "channel_actions_ts": None, "channel_actions_count": 0}
    if api == "pins.add":
        ts = params.get("timestamp")
        if not any(m["ts"] == ts for m in c["messages"]):
            return {"ok": False, "error": "message_not_found"}
        if ts in c["pins"]:
            return {"ok": False, "error": "already_pinned"}
        c["pins"].append(ts)
        return {"ok": True}
    return {"ok": False, "error": "unknown_method"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, doc, headers=()):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, verb):
        url = urllib.parse.urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path == "/_control":
            with lock:
                c = json.loads(raw or b"{}")
                state["faults"] += [dict(f) for f in c.get("faults", [])]
                if "page_size" in c:
                    state["page_size"] = int(c["page_size"])
                if "cursor" in c:
                    state["cursor"] = c["cursor"]
                if "seed_channel" in c:
                    s = c["seed_channel"]
                    cid = "C%08d" % state["next_id"]
                    state["next_id"] += 1
                    state["channels"][cid] = {"id": cid, "name": s["name"], "created": s.get("created", 1),
                                              "topic": "", "members": [], "messages": [], "pins": []}
            return self.reply(200, {"ok": True})
        if url.path == "/_state":
            with lock:
                return self.reply(200, {"channels": list(state["channels"].values())})
        with lock:
            out = self.handle_api(verb, url, raw)
        delay, what = out
        if delay:
            time.sleep(delay)   # the work is done; only the answer waits
        if what == "drop":
            return self.drop()
        try:
            self.reply(*what)
        except OSError:
            self.close_connection = True   # the client gave up waiting: what Slack would see too

    def handle_api(self, verb, url, raw):
        """Returns (seconds to wait before answering, "drop" or the answer)."""
        state["seq"] += 1
        api = url.path.rsplit("/", 1)[-1]
        violations = []
        rec = {"seq": state["seq"], "t": time.time(), "http": verb, "api": api, "query": url.query,
               "content_type": self.headers.get("Content-Type")}
        if not url.path.startswith("/api/"):
            violations.append("path is not under /api/: " + url.path)
        auth = self.headers.get("Authorization")
        rec["auth"] = "missing" if auth is None else "ok" if auth == "Bearer " + TOKEN else "wrong"
        params = {}
        if verb == "POST":
            if rec["content_type"] != "application/json; charset=utf-8":
                violations.append("Content-Type is not application/json; charset=utf-8")
            try:
                params = json.loads(raw)
            except ValueError:
                violations.append("the body is not JSON")
            if not isinstance(params, dict):
                violations.append("the body is not a JSON object")
                params = {}
        else:
            if raw:
                violations.append("a GET with a body")
            params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        rec["body"] = params if verb == "POST" else None
        check_params(api, verb, params, violations)
        if api == "chat.postMessage" and "channel" in params:
            last = state["last_post"].get(params["channel"])
            rec["gap"] = None if last is None else rec["t"] - last
        fault = None
        for f in state["faults"]:
            if f.get("api") == api and f.get("count", 1) > 0:
                f["count"] = f.get("count", 1) - 1
                fault = f
                break
        rec["fault"] = fault and fault["fault"]
        rec["violations"] = violations
        if rec["auth"] != "ok":
            rec["answer"] = {"ok": False, "error": "not_authed" if auth is None else "invalid_auth"}
            violations.append("Authorization is not Bearer with the bot token")
            self.record(rec)
            return 0, (200, rec["answer"])
        kind = fault and fault["fault"]
        if kind == "drop_before":
            rec["answer"] = "dropped"
            self.record(rec)
            return 0, "drop"
        if kind in ("ratelimited", "429"):
            rec["answer"] = {"ok": False, "error": "ratelimited"}
            self.record(rec)
            return 0, (429 if kind == "429" else 200, rec["answer"], [("Retry-After", fault.get("retry_after", "1"))])
        if kind == "error":
            rec["answer"] = {"ok": False, "error": fault.get("error", "fatal_error")}
            self.record(rec)
            return 0, (200, rec["answer"])
        answer = answer_of(api, params, violations)
        if api == "chat.postMessage" and answer.get("ok"):
            state["last_post"][params["channel"]] = rec["t"]
        if kind == "drop_after":
            rec["answer"] = "dropped"
            self.record(rec)
            return 0, "drop"
        rec["answer"] = answer
        self.record(rec)
        # "slow": done at once, answered late (a client that gives up or dies
        # meanwhile never learns it)
        return (float(fault.get("seconds", 5)) if kind == "slow" else 0), (200, answer)

    def record(self, rec):
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")


def main():
    global LOG, TOKEN
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    # from the environment, so the token is not on a command line
    LOG, TOKEN = a.log, os.environ["SLACK_STANDIN_TOKEN"]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    print(port, flush=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
