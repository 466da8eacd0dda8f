"""Reads campaign-load's JUnit file with junitparser, the parser EnricoMi's
publish-unit-test-result-action (a CI reporter for GitHub) reads JUnit with, and checks what a
CI system would show: one case per threshold and one for the cleanup, the failed thresholds as
failures whose message carries what was measured.

    check_load_junit.py FILE EXPECTED_FAILURES

Exit 0 when the file reads and says what is expected; 1 otherwise, saying what differs.
"""

import sys

from junitparser import Failure, JUnitXml


def main() -> int:
    path, expected_failures = sys.argv[1], int(sys.argv[2])
    xml = JUnitXml.fromfile(path)
    suites = list(xml)
    problems = []
    if len(suites) != 1:
        problems.append(f"{len(suites)} test suites, expected 1")
    cases = [case for suite in suites for case in suite]
    failures = [
        (case, result)
        for case in cases
        for result in case.result
        if isinstance(result, Failure)
    ]
    thresholds = [c for c in cases if c.name.startswith("threshold ")]
    if not thresholds:
        problems.append("no threshold test case")
    if not any(c.name == "every campaign started is confirmed halted" for c in cases):
        problems.append("no cleanup test case")
    if len(failures) != expected_failures:
        problems.append(f"{len(failures)} failures, expected {expected_failures}")
    for case, failure in failures:
        rule = case.name.removeprefix("threshold ")
        if not failure.message or not failure.message.startswith(rule + ": "):
            problems.append(f"{case.name}: failure message {failure.message!r} does not carry the rule and what was measured")
    for suite in suites:
        if suite.tests != len(cases) or suite.failures != len(failures):
            problems.append(f"suite counts tests={suite.tests} failures={suite.failures}, cases say {len(cases)} and {len(failures)}")
    for case, failure in failures:
        print(f"  FAILED {case.classname} :: {case.name}: {failure.message}")
    print(f"{path}: {len(cases)} test cases, {len(failures)} failed (junitparser)")
    for p in problems:
        print(f"  problem: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
