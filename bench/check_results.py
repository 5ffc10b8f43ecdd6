#!/usr/bin/python3
"""Checks that a results file of bench/run.sh is well-formed: every scenario's section is there
and did not fail, every table has a header, a separator and rows of the same width, every
figure is a number (or "–" where a metric does not apply), the targets table judges every
target, and no run counted an error or a stale read.

  /usr/bin/python3 bench/check_results.py RESULTS.md
"""
import re
import sys

SECTIONS = ["1.", "1b.", "2.", "3.", "4.", "5.", "6.", "7.", "8."]
VERDICT = re.compile(r"^(\*\*met\*\*|\*\*missed\*\*)( \(by \d+%\))?$|^not measured$")
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?(×|%| KiB)?$|^–$")


def tables(lines):
    """(title of the section above, [rows as cell lists]) for every markdown table."""
    found, title, current = [], None, None
    for line in lines:
        if line.startswith("#"):
            title = line.lstrip("#").strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = (title, [])
                found.append(current)
            current[1].append(cells)
        else:
            current = None
    return found


def check(text):
    problems = []
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# sqlcache benchmark"):
        problems.append("the file does not start with '# sqlcache benchmark'")
    titles = [line[4:] for line in lines if line.startswith("### ")]
    for number in SECTIONS:
        matching = [t for t in titles if t.startswith(number + " ")]
        if not matching:
            problems.append(f"no section '### {number} …'")
    if "FAILED" in text:
        problems.append("a scenario or the profile FAILED: " +
                        next(line for line in lines if "FAILED" in line))
    all_tables = tables(lines)
    target_tables = [rows for title, rows in all_tables if title == "Targets"]
    if not target_tables:
        problems.append("no targets table")
    for title, rows in all_tables:
        header, rest = rows[0], rows[1:]
        if not rest or not all(re.match(r"^-+:?$", c) for c in rest[0]):
            problems.append(f"{title}: no separator row under the header")
            continue
        body = rest[1:]
        if not body:
            problems.append(f"{title}: a table without rows")
        for row in body:
            if len(row) != len(header):
                problems.append(f"{title}: row {row} has {len(row)} cells, header {len(header)}")
                continue
            if title == "Targets":
                if not VERDICT.match(row[3]):
                    problems.append(f"Targets: '{row[0]}' has no verdict ('{row[3]}')")
                continue
            if not re.match(r"^\d+b?\. ", title or ""):
                continue  # the profile and hand-written notes hold words, not figures
            for name, cell in zip(header[1:], row[1:]):
                if not NUMBER.match(cell):
                    problems.append(f"{title}: {row[0]}: {name} is '{cell}', not a figure")
                elif name in ("errors", "stale reads") and cell not in ("0", "–"):
                    problems.append(f"{title}: {row[0]}: {cell} {name}")
            if all(cell == "–" for cell in row[1:]):
                problems.append(f"{title}: {row[0]}: no figure at all")
    if target_tables and len(target_tables[0]) < 2 + 16:
        problems.append(f"targets table has {len(target_tables[0]) - 2} rows, expected 16")
    return problems, len(all_tables)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        problems, count = check(f.read())
    for problem in problems:
        print(f"check_results: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_results: {sys.argv[1]} is well-formed ({count} tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
