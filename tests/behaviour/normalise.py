#!/usr/bin/env python3
"""Normalise what a README command left behind, so that two runs of the same tree compare equal.

Used by tests/behaviour/check.sh (one call per case); standard library only.

    normalise.py MODE CASE_DIR   > CASE.txt

MODE is `load` (figures vary run to run: every number, duration, port, timestamp and id is
replaced; JSON keeps key paths, value types and stable values) or `stable` (the output is
deterministic apart from ports, ids, timestamps and elapsed times: numbers are kept).

CASE_DIR holds `cmd`, `exit`, `stdout`, `stderr` and `work/` (the command's working folder; every
regular file under it is a report the command wrote). Environment: BEHAVIOUR_OUT and
BEHAVIOUR_TREE are replaced by <out> and <tree> wherever they appear.
"""

import html.parser
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

MODE = sys.argv[1]
CASE = sys.argv[2]
LOAD = MODE == "load"

OUT = os.environ.get("BEHAVIOUR_OUT", "/nonexistent-out")
TREE = os.environ.get("BEHAVIOUR_TREE", "/nonexistent-tree")

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ISO_TS = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?")
CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\b")
PORT = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])([:-])\d{2,5}\b")
PID = re.compile(r"\bpid \d+")
PORT_FLAG = re.compile(r"(--dashboard-port[ =]|--port[ =])\d+")
ELAPSED_MS = re.compile(r"(?<![\w.])\d+ ?ms\b")
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
DURATION = re.compile(r"(?<![\w.])\d+(\.\d+)?\s?(µs|us|ms|s|m|h)\b")
NUMBER = re.compile(r"(?<![\w.])\d+(\.\d+)?(e[+-]?\d+)?")


def light(s: str) -> str:
    """Ports, paths, ids, timestamps and elapsed milliseconds: what varies in deterministic output."""
    s = s.replace(OUT, "<out>").replace(TREE, "<tree>")
    s = JWT.sub("<jwt>", s)
    s = UUID.sub("<uuid>", s)
    s = ISO_TS.sub("<ts>", s)
    s = CLOCK.sub("<time>", s)
    s = PORT.sub(lambda m: f"{m.group(1)}{m.group(2)}<port>", s)
    s = PID.sub("pid <pid>", s)
    s = PORT_FLAG.sub(lambda m: f"{m.group(1)}<port>", s)
    s = ELAPSED_MS.sub("<ms>", s)
    return s


def full(s: str) -> str:
    """As `light`, and every duration and number too: for a load run's figures."""
    s = light(s).replace("127.0.0.1", "<loopback>")
    s = DURATION.sub("<dur>", s)
    s = NUMBER.sub("#", s)
    return s.replace("<loopback>", "127.0.0.1")


def norm(s: str) -> str:
    return full(s) if LOAD else light(s)


def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# ---------------------------------------------------------------------------------------------
# Verdict lines of stdout / stderr

THRESHOLD = re.compile(r"^threshold (\S+)\s+(pass|FAIL)\s*(.*)$")
LOAD_LINES = [
    re.compile(p)
    for p in [
        r"^campaign-load: scenario ",
        r"^  \d+ users, ",
        r"^  client: ",
        r"^  the only campaigns it may touch",
        r"^campaign-load accounting",
        r"^campaigns confirmed halted",
        r"^report: ",
        r"^merged \d+ summaries",
        r"^  (closed|open) model",
        r"^  stage \d+",
        r"^  \d+ arrivals due",
        r"^  \d+ requests in ",
        r"^(PASS|FAIL)\b",
        r"^campaign-load cleanup",
        r"^campaign-load: ",  # errors, warnings, the readiness line (stderr)
        r"^campaign-sim",  # the simulator's banner and stop line
        r"^  faults",
        r"^  window \d+",
        r"^try ",
        r"^  curl ",
        r"^error: ",  # clap
        r"^  tip: ",
    ]
]
# Accounting classes that come and go with timing alone: left out of the comparison.
TIMING_CLASSES = re.compile(r"^  (cancelled at shutdown|transport \S+)\s+\d+$")
ACCOUNT_LINE = re.compile(r"^  (\S.*?)\s+(\d+)$")


def verdict_lines(text: str, stream: str) -> list[str]:
    out = []
    in_accounting = False
    for line in text.splitlines():
        if line.startswith("campaign-load accounting"):
            in_accounting = True
        elif in_accounting and not line.startswith("  "):
            in_accounting = False
        if in_accounting and ACCOUNT_LINE.match(line):
            if TIMING_CLASSES.match(line):
                continue
            m = ACCOUNT_LINE.match(line)
            out.append(f"{stream}: account {norm(m.group(1))} #")
            continue
        m = THRESHOLD.match(line)
        if m:
            out.append(f"{stream}: threshold {m.group(1)} {m.group(2)} | {full(m.group(3))}")
            continue
        if any(p.match(line) for p in LOAD_LINES):
            out.append(f"{stream}: {norm(line)}")
    return out


def all_lines(text: str, stream: str) -> list[str]:
    # Goose's own INFO/WARN log lines (time-stamped, per user) are not the tool's verdict.
    return [
        f"{stream}: {norm(line)}"
        for line in text.splitlines()
        if not re.match(r"^\d\d:\d\d:\d\d \[(INFO|WARN|DEBUG)\]", line)
    ]


# ---------------------------------------------------------------------------------------------
# Report files

VARYING_NUMBER_KEYS = re.compile(r"(elapsed|_ms$|_us$|_secs$|duration|zero_unix|uptime|pid)", re.I)
STABLE_STRING_KEYS = {"rule"}  # threshold rules: compared as written


def json_lines(value, path="$", out=None, key=None):
    """`path: type [= value]`; in load mode arrays are collapsed to [] (their elements' union) and
    all-digit object keys (histogram buckets) to <n>, except under status_codes."""
    if out is None:
        out = []
    if isinstance(value, dict):
        out.append(f"{path}: object")
        for k in sorted(value):
            kk = k
            if LOAD and re.fullmatch(r"\d+", k) and key != "status_codes":
                kk = "<n>"
            json_lines(value[k], f"{path}.{norm(kk) if kk != '<n>' else kk}", out, k)
    elif isinstance(value, list):
        out.append(f"{path}: array" + ("" if LOAD else f" of {len(value)}"))
        for i, v in enumerate(value):
            json_lines(v, f"{path}[]" if LOAD else f"{path}[{i}]", out, key)
    elif isinstance(value, bool):
        out.append(f"{path}: bool = {str(value).lower()}")
    elif value is None:
        out.append(f"{path}: null")
    elif isinstance(value, (int, float)):
        if LOAD or (key and VARYING_NUMBER_KEYS.search(key)):
            out.append(f"{path}: number")
        else:
            out.append(f"{path}: number = {value}")
    else:
        s = value if key in STABLE_STRING_KEYS else norm(value)
        out.append(f"{path}: string = {s}")
    return out


def json_file(text: str) -> list[str]:
    try:
        lines = json_lines(json.loads(text))
    except json.JSONDecodeError as e:
        return [f"not JSON: {e.msg}"]
    if LOAD:
        # the set of paths (arrays collapsed), not their multiplicity
        lines = list(dict.fromkeys(lines))
    return lines


def markdown_file(text: str) -> list[str]:
    """Headings, table header rows, verdict lines and threshold rows (load mode); every line
    (stable mode)."""
    lines = text.splitlines()
    if not LOAD:
        return [light(line) for line in lines]
    out = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("#"):
            out.append(f"heading {full(line)}")
        elif line.startswith("|") and re.match(r"^\|\s*-", nxt):
            out.append(f"table {line}")
        elif line.startswith("| `"):  # a threshold row: | `rule` | observed | result |
            cells = [c.strip() for c in line.strip("|").split("|")]
            out.append(f"threshold {cells[0]} {cells[-1]}")
        elif re.search(r"\b(PASS|FAIL)\b", line):
            out.append(f"verdict {full(line)}")
    return out


class HtmlOutline(html.parser.HTMLParser):
    """Title, headings, table heads, the verdict paragraph, and how many charts and figures."""

    def __init__(self):
        super().__init__()
        self.out: list[str] = []
        self.stack: list[tuple[str, str]] = []
        self.text = ""
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "figure", "table", "script"):
            self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag in ("title", "h1", "h2", "h3", "h4", "th", "figcaption") or (
            tag == "p" and dict(attrs).get("class") in ("pass", "fail")
        ):
            self.stack.append((tag, dict(attrs).get("class") or ""))
            self.text = ""

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            t, cls = self.stack.pop()
            label = f"{t}.{cls}" if cls else t
            self.out.append(f"{label} {full(' '.join(self.text.split()))}")

    def handle_data(self, data):
        if self.stack:
            self.text += data


def html_file(text: str) -> list[str]:
    p = HtmlOutline()
    p.feed(text)
    return p.out + [f"count <{k}> {v}" for k, v in sorted(p.counts.items())]


def junit_file(text: str) -> list[str]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        return [f"not XML: {e}"]
    out = [f"root {root.tag}"]
    for suite in root.iter("testsuite"):
        attrs = {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")}
        out.append(f"testsuite {attrs}")
        for case in suite.iter("testcase"):
            failure = case.find("failure")
            verdict = "pass" if failure is None else f"FAIL ({failure.get('type')})"
            out.append(f"testcase {case.get('classname')} | {case.get('name')} | {verdict}")
            if failure is not None:
                out.append(f"  message {full(failure.get('message') or '')}")
    return out


def metrics_text(text: str) -> list[str]:
    """Prometheus / OpenMetrics text: TYPE lines, and each sample's name and labels (not values)."""
    out = set()
    for line in text.splitlines():
        if line.startswith("# TYPE") or line.startswith("# UNIT") or line == "# EOF":
            out.add(line)
        elif line and not line.startswith("#"):
            m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s", line)
            if m:
                labels = m.group(2) or ""
                if LOAD:
                    labels = re.sub(r'le="[^"]*"', 'le="<le>"', labels)
                out.add(f"sample {m.group(1)}{light(labels)}")
    return sorted(out)


def toml_file(text: str) -> list[str]:
    return [norm(line) for line in text.splitlines()]


def report(path: str, rel: str) -> list[str]:
    text = read(path)
    name = rel.lower()
    if name.endswith(".json"):
        body = json_file(text)
    elif name.endswith((".md", ".markdown")):
        body = markdown_file(text)
    elif name.endswith((".html", ".htm")):
        body = html_file(text)
    elif name.endswith(".xml"):
        body = junit_file(text)
    elif name.endswith((".prom", ".metrics")):
        body = metrics_text(text)
    elif name.endswith((".toml", ".txt")):
        body = toml_file(text)
    else:
        body = [f"({len(text.splitlines())} lines)"]
    return [f"== file {norm(rel)}"] + [f"  {b}" for b in body]


def main():
    cmd = read(os.path.join(CASE, "cmd")).strip().replace(OUT, "<out>").replace(TREE, "<tree>")
    cmd = PORT_FLAG.sub(lambda m: f"{m.group(1)}<port>", PORT.sub(lambda m: f"{m.group(1)}{m.group(2)}<port>", cmd))
    out = [f"# {cmd}"]
    out.append(f"exit: {read(os.path.join(CASE, 'exit')).strip()}")
    for stream in ("stdout", "stderr"):
        text = read(os.path.join(CASE, stream))
        out += verdict_lines(text, stream) if LOAD else all_lines(text, stream)
    # what the case probed while the command ran (curl answers, scrapes): one file per probe
    probes = os.path.join(CASE, "probes")
    if os.path.isdir(probes):
        for f in sorted(os.listdir(probes)):
            out += [p.replace("== file", "== probe", 1) for p in report(os.path.join(probes, f), f)]
    work = os.path.join(CASE, "work")
    inputs = set(read(os.path.join(CASE, "inputs")).splitlines())
    files = []
    for dirpath, dirnames, filenames in os.walk(work):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            rel = os.path.relpath(p, work)
            if not os.path.islink(p) and rel not in inputs:
                files.append((p, rel))
    for p, rel in sorted(files, key=lambda x: norm(x[1])):
        out += report(p, rel)
    print("\n".join(out))


main()
