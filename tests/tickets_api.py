#!/usr/bin/env python3
"""Loopback stand-ins for Linear's GraphQL API and Opsgenie's Alert API v2.

    tickets_api.py LOG --port-file FILE [--lifetime SECONDS]
                   [--linear-key KEY] [--linear-team UUID] [--opsgenie-key KEY]

Listens on 127.0.0.1 only. Linear answers on POST /graphql, Opsgenie on
/v2/alerts... (and the same under /eu). Every request is appended to LOG as
one JSON object per line: {"seq", "method", "path", "query", "headers",
"body", "provider", "invalid": [problems]}. A request is checked against the
copied specifications before anything else and an invalid one is answered
as the provider would (400) with "invalid" filled in, so a test asserts that
no request was invalid:
  Linear: POST, Content-Type application/json, Authorization the key as is
  (a personal API key, no "Bearer"), a JSON body {"query", "variables",
  "operationName"} whose operation parses and validates against
  tests/specs/linear/linear-sdk_schema.graphql (only fields, arguments and
  input types the schema has) and whose variables coerce to their declared
  types (IssueCreateInput: its fields, teamId present).
  Opsgenie: POST, Authorization "GenieKey <key>", Content-Type
  application/json, the path and identifierType of the Alert API, the body
  against the definitions of tests/specs/opsgenie/opsgenie-alert-extract.json
  (with no property the definition lacks) and Opsgenie's documented limits.

Linear keeps issues as Linear would: issueCreate with an id that exists is
refused with a GraphQL error (the id is the idempotency key), issues(filter:
{id: {in: [...]}}) lists them with their state. Opsgenie keeps alerts by alias
(a create for an open alias only counts it again), answers 202 with a
requestId, and acknowledges and closes by alias.

Control (not recorded): POST /_control with JSON
  {"path": "/graphql", "replies": [REPLY...]}   answers queued for a path
  {"reset": true}                               forget queued answers
  {"linear_state": {"id": UUID, "type": "completed"}}  a ticket moves
A REPLY is {"status", "body", "headers", "retry_after"} or {"preset": NAME}
(see PRESETS), with "apply": true to do the work first (the answer is lost),
"drop": true to close the connection without an answer and "hang": SECONDS
to hold it without one.
GET /_state answers {"linear": [issue...], "opsgenie": [alert...]}.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "specs")
BODY_MAX = 1024 * 1024

PRESETS = {
    # GraphQL's way: HTTP 200, no data, an "errors" array
    "linear-invalid": {"status": 200, "body": {"errors": [{
        "message": "Argument Validation Error",
        "extensions": {"type": "invalid input", "code": "INVALID_INPUT",
                       "userPresentableMessage": "teamId must be a UUID."}}]}},
    # Linear's rate limit: HTTP 400 with a RATELIMITED error
    "linear-ratelimited": {"status": 400, "body": {"errors": [{
        "message": "Rate limit exceeded",
        "extensions": {"type": "ratelimited", "code": "RATELIMITED",
                       "userPresentableMessage": "You have exceeded the rate limit."}}]}},
    "opsgenie-unprocessable": {"status": 422, "body": {
        "message": "Request body is not processable. Please check the errors.",
        "errors": {"message": "Message can not be empty."}, "took": 0.002, "requestId": "rq-422"}},
    "opsgenie-throttled": {"status": 429, "body": {
        "message": "You are making too many requests! To avoid errors, we recommend you limit requests.",
        "took": 0.001, "requestId": "rq-429"}, "retry_after": "1"},
    "server-error": {"status": 500, "body": "Internal Server Error"},
    "bad-gateway": {"status": 502, "body": "Bad Gateway"},
}

OPSGENIE_LIMITS = {"message": 130, "alias": 512, "description": 15000, "entity": 512,
                   "source": 100, "user": 100, "note": 25000}
OPSGENIE_PATHS = [
    (re.compile(r"^(/eu)?/v2/alerts$"), "create", "CreateAlertPayload"),
    (re.compile(r"^(/eu)?/v2/alerts/([^/]+)/acknowledge$"), "acknowledge", "AcknowledgeAlertPayload"),
    (re.compile(r"^(/eu)?/v2/alerts/([^/]+)/close$"), "close", "CloseAlertPayload"),
]


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


# ---- Linear ----

def load_linear_schema():
    """The schema as graphql-core (Debian's, 2.x) reads it: descriptions and
    directive definitions left out, newer spellings of the same grammar
    (leading | in unions, & between interfaces) in the older one. Types,
    fields, arguments and input fields are kept as they are."""
    import graphql
    from graphql import build_ast_schema, parse
    with open(os.path.join(SPECS, "linear", "linear-sdk_schema.graphql"), encoding="utf-8") as f:
        src = f.read()
    if not getattr(graphql, "__version__", "2").startswith("2"):
        return build_ast_schema(parse(src))   # graphql-core 3 reads today's SDL as it is
    src = re.sub(r'""".*?"""', "", src, flags=re.S)
    src = re.sub(r'^\s*"[^\n]*"\s*$', "", src, flags=re.M)
    src = re.sub(r"=\s*\|", "=", src)
    src = re.sub(r"^(type \w+ implements .*)$", lambda m: m.group(1).replace(" & ", ", "), src, flags=re.M)
    src = re.sub(r"^(interface \w+) implements [\w &]+", r"\1", src, flags=re.M)
    src = re.sub(r"^directive .*$", "", src, flags=re.M)
    return build_ast_schema(parse(src))


def check_graphql(schema, doc):
    """Problems with a GraphQL request body, and the parsed operation."""
    from graphql import parse, validate
    from graphql.execution.values import get_variable_values
    problems = []
    if not isinstance(doc, dict):
        return ["the body is not a JSON object"], None
    extra = set(doc) - {"query", "variables", "operationName"}
    if extra:
        problems.append("unknown keys in the request: %s" % sorted(extra))
    q = doc.get("query")
    if not isinstance(q, str):
        return problems + ["no query string"], None
    try:
        ast = parse(q)
    except Exception as e:  # graphql's syntax error
        return problems + ["the operation does not parse: %s" % e], None
    errors = validate(schema, ast)
    if errors:
        return problems + ["not valid against the schema: %s" % "; ".join(str(e.message) for e in errors)], None
    ops = [d for d in ast.definitions if type(d).__name__.startswith("OperationDefinition")]
    if len(ops) != 1:
        return problems + ["expected one operation, got %d" % len(ops)], None
    op = ops[0]
    name = op.name.value if op.name else None
    if doc.get("operationName") not in (None, name):
        problems.append("operationName %r names no operation" % doc.get("operationName"))
    variables = doc.get("variables") or {}
    if not isinstance(variables, dict):
        return problems + ["variables is not an object"], None
    try:
        values = get_variable_values(schema, op.variable_definitions or [], variables)
    except Exception as e:   # graphql-core 2 raises
        return problems + ["variables do not fit their types: %s" % e], None
    if isinstance(values, list):   # graphql-core 3 returns the errors
        return problems + ["variables do not fit their types: %s" % "; ".join(e.message for e in values)], None
    return problems, (op, values, variables)


def field_named(op, name):
    for sel in op.selection_set.selections:
        if sel.name.value == name:
            return sel
    return None


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def linear_answer(state, op, variables):
    kind = op.operation if isinstance(op.operation, str) else op.operation.value
    if kind == "mutation" and field_named(op, "issueCreate"):
        inp = variables.get("input") or {}
        iid = inp.get("id")
        if iid is not None and not UUID4.match(iid):
            return 200, {"errors": [{"message": "Argument Validation Error",
                                     "extensions": {"code": "INVALID_INPUT",
                                                    "userPresentableMessage": "id must be a UUID v4."}}]}
        if state.linear_team and inp.get("teamId") != state.linear_team:
            return 200, {"errors": [{"message": "Entity not found: Team", "extensions": {
                "code": "INVALID_INPUT", "userPresentableMessage": "Could not find referenced Team."}}]}
        with state.lock:
            if iid and iid in state.issues:
                return 200, {"errors": [{"message": "Entity already exists", "extensions": {
                    "code": "INVALID_INPUT", "userPresentableMessage": "An issue with this id already exists."}}]}
            state.number += 1
            issue = dict(inp)
            issue["id"] = iid or str(uuid.uuid4())
            issue["identifier"] = "ENG-%d" % state.number
            issue["url"] = "https://linear.app/example/issue/%s" % issue["identifier"]
            issue["state"] = {"type": "unstarted", "name": "Todo"}
            state.issues[issue["id"]] = issue
        return 200, {"data": {"issueCreate": {"success": True, "issue": {
            "id": issue["id"], "identifier": issue["identifier"], "url": issue["url"]}}}}
    if kind == "query" and field_named(op, "issues"):
        f = field_named(op, "issues")
        ids = variables.get("ids") or []
        first = variables.get("first") or 50
        with state.lock:
            nodes = [{"id": i, "identifier": state.issues[i]["identifier"],
                      "state": {"type": state.issues[i]["state"]["type"]}}
                     for i in ids if i in state.issues][:first]
        del f
        return 200, {"data": {"issues": {"nodes": nodes}}}
    return 200, {"errors": [{"message": "the stand-in does not answer this operation"}]}


# ---- Opsgenie ----

def load_opsgenie_spec():
    with open(os.path.join(SPECS, "opsgenie", "opsgenie-alert-extract.json"), encoding="utf-8") as f:
        return json.load(f)


def definition_properties(spec, name):
    d = spec["definitions"][name]
    props = dict(d.get("properties", {}))
    for part in d.get("allOf", []):
        if "$ref" in part:
            props.update(definition_properties(spec, part["$ref"].split("/")[-1]))
        props.update(part.get("properties", {}))
    return props


def check_opsgenie(spec, method, path, query, headers, body, key):
    import jsonschema
    problems = []
    if method != "POST":
        problems.append("method %s: the Alert API takes POST here" % method)
    auth = headers.get("Authorization", "")
    if not auth.startswith("GenieKey "):
        problems.append("Authorization is not 'GenieKey <key>'")
    elif key and auth != "GenieKey " + key:
        problems.append("Authorization holds another key")
    if not headers.get("Content-Type", "").startswith("application/json"):
        problems.append("Content-Type is not application/json")
    action = definition = None
    alias = None
    for rx, act, defn in OPSGENIE_PATHS:
        m = rx.match(path)
        if m:
            action, definition = act, defn
            alias = urllib.parse.unquote(m.group(2)) if act != "create" else None
    if not action:
        return problems + ["no such Alert API path: %s" % path], None, None, None
    params = urllib.parse.parse_qs(query)
    if action != "create":
        allowed = spec["parameters"]["AlertIdentifierType"]["enum"]
        it = params.get("identifierType", ["id"])
        if it != ["alias"]:
            problems.append("identifierType=%s (expected alias, one of %s)" % (it, allowed))
    try:
        doc = json.loads(body) if body else {}
    except ValueError:
        return problems + ["the body is not JSON"], action, alias, None
    schema = {"definitions": spec["definitions"], "$ref": "#/definitions/" + definition}
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        problems.append("not a %s: %s" % (definition, e.message))
    if isinstance(doc, dict):
        known = definition_properties(spec, definition)
        unknown = set(doc) - set(known)
        if unknown:
            problems.append("%s has no %s" % (definition, sorted(unknown)))
        for k, limit in OPSGENIE_LIMITS.items():
            if isinstance(doc.get(k), str) and utf16_len(doc[k]) > limit:
                problems.append("%s is longer than %d characters" % (k, limit))
        tags = doc.get("tags") or []
        if len(tags) > 20 or any(len(t) > 50 for t in tags if isinstance(t, str)):
            problems.append("tags: at most 20 of at most 50 characters")
        details = doc.get("details") or {}
        if isinstance(details, dict) and sum(len(k) + len(str(v)) for k, v in details.items()) > 8000:
            problems.append("details longer than 8000 characters")
    return problems, action, alias, doc


def opsgenie_answer(state, action, alias, doc):
    rid = str(uuid.uuid4())
    with state.lock:
        if action == "create":
            a = doc.get("alias")
            open_alert = next((x for x in state.alerts if x.get("alias") == a and x["status"] == "open"), None)
            if a and open_alert:
                open_alert["count"] += 1      # Opsgenie's deduplication by alias
            else:
                state.alerts.append({"alias": a, "message": doc.get("message"), "priority": doc.get("priority"),
                                     "description": doc.get("description"), "status": "open",
                                     "acknowledged": False, "count": 1})
        else:
            target = next((x for x in state.alerts if x.get("alias") == alias and x["status"] == "open"), None)
            if target and action == "acknowledge":
                target["acknowledged"] = True
            elif target and action == "close":
                target["status"] = "closed"
            state.requests[rid] = bool(target)
    return 202, {"result": "Request will be processed", "took": 0.01, "requestId": rid}


# ---- the server ----

class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.log = os.fdopen(fd, "a", encoding="utf-8")
        self.seq = 0
        self.scenarios = {}
        self.issues = {}
        self.number = 0
        self.alerts = []
        self.requests = {}
        self.linear_key = args.linear_key
        self.linear_team = args.linear_team
        self.opsgenie_key = args.opsgenie_key
        self.schema = load_linear_schema()
        self.opsgenie = load_opsgenie_spec()

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()

    def next_reply(self, path):
        with self.lock:
            sc = self.scenarios.get(path)
            return sc.pop(0) if sc else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def handle_any(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, BODY_MAX)) if length > 0 else b""
        path, _, query = self.path.partition("?")
        if path == "/_control":
            return self.control(raw)
        if path == "/_state":
            with state.lock:
                data = {"linear": list(state.issues.values()), "opsgenie": state.alerts}
            return self.send_json(200, data)
        headers = {k: v for k, v in self.headers.items()}
        body = raw.decode("utf-8", "replace")
        entry = {"method": self.command, "path": path, "query": query, "headers": headers, "body": body}
        if path.endswith("/graphql"):
            entry["provider"] = "linear"
            problems, parsed = self.check_linear(headers, body)
        else:
            entry["provider"] = "opsgenie"
            problems, action, alias, doc = check_opsgenie(state.opsgenie, self.command, path, query, headers,
                                                          body, state.opsgenie_key)
        entry["invalid"] = problems
        state.record(entry)
        if problems:
            if entry["provider"] == "linear":
                return self.send_json(400, {"errors": [{"message": "; ".join(problems),
                                                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]})
            return self.send_json(400, {"message": "; ".join(problems), "took": 0, "requestId": "rq-400"})
        reply = state.next_reply(path)
        work = (lambda: linear_answer(state, parsed[0], parsed[2])) if entry["provider"] == "linear" else \
            (lambda: opsgenie_answer(state, action, alias, doc))
        if reply and reply.get("apply"):
            work()
        if reply and reply.get("hang"):
            # hold the connection without an answer, until the client goes
            end = time.monotonic() + float(reply["hang"])
            while time.monotonic() < end:
                try:
                    self.connection.settimeout(0.2)
                    if self.connection.recv(1) == b"":
                        break
                except OSError:
                    pass
            self.close_connection = True
            return
        if reply and reply.get("drop"):
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        if reply:
            if "preset" in reply:
                merged = dict(PRESETS[reply["preset"]])
                merged.update({k: v for k, v in reply.items() if k != "preset"})
                reply = merged
            extra = dict(reply.get("headers") or {})
            if "retry_after" in reply:
                extra["Retry-After"] = str(reply["retry_after"])
            return self.send_json(int(reply.get("status", 200)), reply.get("body", ""), extra)
        status, answer = work()
        self.send_json(status, answer)

    def check_linear(self, headers, body):
        state = self.server.state
        problems = []
        if self.command != "POST":
            problems.append("GraphQL requests are POST")
        if not headers.get("Content-Type", "").startswith("application/json"):
            problems.append("Content-Type is not application/json")
        auth = headers.get("Authorization", "")
        if not auth or auth.startswith("Bearer "):
            problems.append("Authorization is not the personal API key as is")
        elif state.linear_key and auth != state.linear_key:
            problems.append("Authorization holds another key")
        try:
            doc = json.loads(body)
        except ValueError:
            return problems + ["the body is not JSON"], None
        more, parsed = check_graphql(state.schema, doc)
        return problems + more, parsed

    def control(self, raw):
        state = self.server.state
        req = json.loads(raw or b"{}")
        with state.lock:
            if req.get("reset"):
                state.scenarios.clear()
            if "path" in req:
                state.scenarios[req["path"]] = list(req.get("replies", []))
            moved = req.get("linear_state")
            if moved:
                state.issues[moved["id"]]["state"] = {"type": moved["type"], "name": moved["type"]}
        self.send_json(200, "ok")

    def send_json(self, status, value, headers=None):
        data = (value if isinstance(value, str) else json.dumps(value)).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(value, str) else "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up (a timeout on a loaded machine, a connection
        # kept alive and then reset) sent nothing wrong: one line, not the
        # traceback the tests take for a request the stand-in could not read.
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, ConnectionError):
            sys.stderr.write("client %s:%d went away: %s\n" % (client_address[0], client_address[1], kind.__name__))
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--lifetime", type=float, default=300.0)
    ap.add_argument("--linear-key", default=os.environ.get("TICKETS_LINEAR_KEY"))
    ap.add_argument("--linear-team")
    ap.add_argument("--opsgenie-key", default=os.environ.get("TICKETS_OPSGENIE_KEY"))
    args = ap.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.state.log.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
