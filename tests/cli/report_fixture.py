"""The incidents test_report.sh records, and what the report must say of them,
worked out here with Python's statistics module and none of warroom's code.

  plan PLAN.sh EXPECTED.json   the commands that record 50 incidents (and a
                               drill), and the figures they must give
  compare EXPECTED REPORT      counts, medians and p90 per severity and month
  missing EXPECTED REPORT      the incidents listed as not counted
  csv REPORT.csv REPORT.json   the CSV reads back with the documented columns

The figures are defined as the postmortem defines them: impact starts at the
declaration or an earlier impact mark, detection is the first alert or the
declaration; TTD = detected - impact, TTA = acknowledged - detected,
TTM = mitigated - impact, TTR = resolved - impact. The percentile is R-7
(statistics.quantiles(method="inclusive"))."""
import csv
import datetime
import json
import random
import shlex
import statistics
import sys

FIGURES = ["ttd", "tta", "ttm", "ttr"]
CSV_COLUMNS = ["severity", "month", "count"] + [f"{f}_{k}" for f in FIGURES for k in ("n", "median_s", "p90_s")]
UTC = datetime.timezone.utc


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(plan_path, expected_path):
    rnd = random.Random(15)
    lines, incidents = [], []
    for i in range(50):
        month = 1 + i % 3
        declared = datetime.datetime(2025, month, 1 + rnd.randrange(27), rnd.randrange(23), rnd.randrange(60),
                                     rnd.randrange(60), tzinfo=UTC)
        sev = rnd.choice([1, 1, 2, 2, 2, 3])
        impact = declared - datetime.timedelta(seconds=rnd.randrange(60, 2400))
        alert = impact + datetime.timedelta(seconds=rnd.randrange(0, int((declared - impact).total_seconds())))
        ack = declared + datetime.timedelta(seconds=rnd.randrange(0, 1200))
        mitigated = declared + datetime.timedelta(seconds=rnd.randrange(300, 14400))
        resolved = mitigated + datetime.timedelta(seconds=rnd.randrange(0, 18000))
        if i % 11 == 5:
            ack = None                    # never acknowledged
        if i % 13 == 7:
            mitigated = resolved = None   # still open
        if i % 17 == 3:
            resolved = None               # mitigated, not resolved yet
        title = f"Incident {i:02d}"
        lines.append(f"id=$(wr open --sev {sev} --title {shlex.quote(title)} --at {iso(declared)})")
        w = 'wr --incident "$id"'
        lines.append(f"{w} log --type impact --at {iso(impact)} 'first failure'")
        lines.append(f"{w} log --type alert --at {iso(alert)} 'error rate'")
        if ack:
            lines.append(f"{w} ack --at {iso(ack)}")
        if mitigated:
            lines.append(f"{w} mitigate --at {iso(mitigated)}")
        if resolved:
            lines.append(f"{w} resolve --at {iso(resolved)}")
        detected = min(alert, declared)
        start = min(impact, declared)

        def span(a, b):
            return None if a is None or b is None else max(0.0, (b - a).total_seconds())

        incidents.append({"title": title, "sev": f"SEV{sev}", "month": declared.strftime("%Y-%m"),
                          "ttd": span(start, detected), "tta": span(detected, ack),
                          "ttm": span(start, mitigated), "ttr": span(start, resolved)})
    # a drill, declared as one (the report leaves it out unless --drills)
    lines.append('(d="$WARROOM_DIR/inc-20250310-game-day"; mkdir -m 700 "$d"; umask 077; '
                 "printf '%s\\n' '{\"v\":1,\"id\":\"drill-1\",\"ts\":\"2025-03-10T10:00:00Z\","
                 "\"at\":\"2025-03-10T10:00:00Z\",\"by\":\"gameday\",\"type\":\"declare\",\"title\":\"Game day\","
                 "\"sev\":1,\"drill\":true}' > \"$d/events.jsonl\")")
    with open(plan_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(expected_path, "w") as f:
        json.dump({"incidents": incidents, "groups": groups(incidents)}, f, indent=1)


def stats(values):
    if not values:
        return {"n": 0, "median_s": None, "p90_s": None}
    values = sorted(values)
    p90 = values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]
    return {"n": len(values), "median_s": statistics.median(values), "p90_s": p90}


def groups(incidents):
    out = {}
    sevs = sorted({i["sev"] for i in incidents}) + ["all"]
    months = sorted({i["month"] for i in incidents}) + ["all"]
    for sev in sevs:
        for month in months:
            members = [i for i in incidents if sev in ("all", i["sev"]) and month in ("all", i["month"])]
            out[f"{sev} {month}"] = {"count": len(members),
                                     **{f: stats([i[f] for i in members if i[f] is not None]) for f in FIGURES}}
    return out


def report_groups(report):
    out = {}
    for g in report["severities"] + [report["overall"]]:
        out[f"{g['sev']} all"] = {"count": g["count"], **g["figures"]}
        for m in g["months"]:
            out[f"{g['sev']} {m['month']}"] = {"count": m["count"], **m["figures"]}
    return out


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 0.0015


def compare(expected_path, report_path):
    want = json.load(open(expected_path))["groups"]
    got = report_groups(json.load(open(report_path)))
    bad = 0
    if set(want) != set(got):
        print("groups differ:", sorted(set(want) ^ set(got)))
        bad += 1
    for key in sorted(set(want) & set(got)):
        w, g = want[key], got[key]
        if w["count"] != g["count"]:
            print(f"{key}: count {g['count']}, expected {w['count']}")
            bad += 1
        for f in FIGURES:
            for k in ("n", "median_s", "p90_s"):
                if not close(w[f][k], g[f][k]):
                    print(f"{key} {f}.{k}: {g[f][k]}, expected {w[f][k]}")
                    bad += 1
    print("all match" if not bad else f"{bad} differences")
    return 0 if not bad else 1


def missing(expected_path, report_path):
    want = {i["title"]: [f for f in FIGURES if i[f] is None] for i in json.load(open(expected_path))["incidents"]}
    want = {t: f for t, f in want.items() if f}
    got = {m["title"]: m["figures"] for m in json.load(open(report_path))["missing"]}
    if want != got or len(want) < 5:
        print(f"missing: {got}, expected {want}")
        return 1
    return 0


def check_csv(csv_path, report_path):
    got = report_groups(json.load(open(report_path)))
    with open(csv_path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != CSV_COLUMNS:
            print("columns:", reader.fieldnames)
            return 1
        rows = list(reader)
    if len(rows) != len(got):
        print(f"{len(rows)} rows, {len(got)} groups")
        return 1
    for row in rows:
        g = got[f"{row['severity']} {row['month']}"]
        if int(row["count"]) != g["count"]:
            return 1
        for fig in FIGURES:
            for k in ("n", "median_s", "p90_s"):
                cell = row[f"{fig}_{k}"]
                value = None if cell == "" else float(cell)
                if not close(value, g[fig][k]):
                    print(f"{row['severity']} {row['month']} {fig}_{k}: {cell}, JSON {g[fig][k]}")
                    return 1
    return 0


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    sys.exit({"plan": plan, "compare": compare, "missing": missing, "csv": check_csv}[cmd](*args) or 0)
