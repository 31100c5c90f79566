#!/usr/bin/python3
"""Validates PagerDuty Events API v2 bodies against the shipped OpenAPI spec.

    validate_pagerduty.py SPEC [BODY.json ...]     (no files: one body on stdin)

SPEC is pagerduty-events-v2.openapi.json. The request schema of POST /enqueue is
taken from it, its $refs resolved into one JSON schema, and each body checked
with jsonschema. The rules the spec states only in prose are checked too:
dedup_key is required unless the action is trigger, and `format` (date-time,
url) is enforced here rather than left to optional jsonschema extras.
PagerDuty's documented limits on summary (1024) and dedup_key (255) as well.
Exit status: 0 all valid, 1 some invalid (reasons on stderr), 2 usage.
"""

import datetime
import json
import sys
import urllib.parse

import jsonschema


def resolve(node, root, seen=()):
    """A copy of NODE with every local $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise ValueError("cannot resolve $ref %r" % ref)
            target = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(target, root, seen + (ref,))
        return {k: resolve(v, root, seen) for k, v in node.items() if not k.startswith("x-")}
    if isinstance(node, list):
        return [resolve(v, root, seen) for v in node]
    return node


def request_schema(spec):
    for path, item in spec["paths"].items():
        if path.rstrip("/").endswith("/enqueue") and "change" not in path:
            media = item["post"]["requestBody"]["content"]["application/json"]
            return resolve(media["schema"], spec)
    raise ValueError("the spec has no POST /enqueue")


def format_checker():
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        if "T" not in value:
            raise ValueError("not a date-time: %r" % value)
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("url", raises=ValueError)
    def is_url(value):
        if not isinstance(value, str):
            return True
        u = urllib.parse.urlsplit(value)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ValueError("not an http(s) URL: %r" % value)
        return True

    return checker


def prose_rules(body):
    errors = []
    if not isinstance(body, dict):
        return errors
    action = body.get("event_action")
    if action != "trigger" and not body.get("dedup_key"):
        errors.append("dedup_key is required unless event_action is trigger")
    if action == "trigger" and "payload" not in body:
        errors.append("a trigger event needs a payload")
    summary = (body.get("payload") or {}).get("summary")
    if isinstance(summary, str) and len(summary) > 1024:
        errors.append("payload.summary is longer than 1024 characters")
    dedup = body.get("dedup_key")
    if isinstance(dedup, str) and len(dedup) > 255:
        errors.append("dedup_key is longer than 255 characters")
    return errors


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    schema = request_schema(spec)
    validator = jsonschema.Draft7Validator(schema, format_checker=format_checker())

    sources = argv[2:] or ["-"]
    bad = 0
    for src in sources:
        text = sys.stdin.read() if src == "-" else open(src, encoding="utf-8").read()
        try:
            body = json.loads(text)
        except ValueError as e:
            sys.stderr.write("%s: not JSON: %s\n" % (src, e))
            bad += 1
            continue
        problems = ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(body)", e.message)
                    for e in validator.iter_errors(body)]
        problems += prose_rules(body)
        for p in problems:
            sys.stderr.write("%s: %s\n" % (src, p))
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
