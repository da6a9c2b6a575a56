#!/usr/bin/python3
"""Render a run's junit.xml as a Markdown table for GitHub's job summary.

    junit_summary.py RESULTS/junit.xml >> "$GITHUB_STEP_SUMMARY"
"""
import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    suite = ET.parse(sys.argv[1]).getroot()
    print(f"### {sys.argv[1]}: {suite.get('tests')} tests, {suite.get('failures')} failures, "
          f"{suite.get('skipped')} expected skips\n")
    print("| result | program | test | message |")
    print("|---|---|---|---|")
    for case in suite.iter("testcase"):
        failure, skipped = case.find("failure"), case.find("skipped")
        result = "FAIL" if failure is not None else ("skip" if skipped is not None else "pass")
        node = failure if failure is not None else skipped
        msg = (node.get("message") if node is not None else "") or ""
        msg = msg.replace("|", "\\|").replace("\n", " ")[:200]
        print(f"| {result} | {case.get('classname')} | {case.get('name')} | {msg} |")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
