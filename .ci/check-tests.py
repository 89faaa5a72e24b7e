#!/usr/bin/env python3
"""Flags Rust test functions that assert nothing.

A test passes the check when its body contains an assertion macro (assert!, assert_eq!, ...,
prop_assert*!), a panic!, a wiremock call-count expectation (.expect(<number>)), or a call into a
conformance check. Everything else is reported, with its file and line, and the script exits 1.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEST_ATTR = re.compile(r"#\[(?:tokio::)?test(?:\([^\]]*\))?\]")
FN = re.compile(r"\b(?:async\s+)?fn\s+(\$?\w+)")
PROPTEST_FN = re.compile(r"^\s*fn\s+(\w+)\s*\(", re.M)
OK = re.compile(
    r"\b(?:assert\w*!|prop_assert\w*!|panic!|unreachable!)|\.expect\(\s*\d|\bcheck_\w+\s*\(|conformance::"
)


def skip_params(text: str, start: int) -> int:
    """The index just after the parenthesised parameter list that follows `start` (string literals
    inside it, such as proptest regex strategies, are skipped)."""
    i = text.index("(", start)
    depth, in_str, j = 0, False, i
    while j < len(text):
        c = text[j]
        if in_str:
            if c == "\\":
                j += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def body_after(text: str, start: int) -> str:
    """The brace-balanced block that starts at the first `{` after `start`."""
    i = text.index("{", start)
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i : j + 1]
    return text[i:]


def main() -> int:
    bad = []
    for path in sorted(ROOT.rglob("*.rs")):
        if any(p in ("target",) or p.startswith("target") for p in path.relative_to(ROOT).parts):
            continue
        text = path.read_text(encoding="utf-8")
        spans = []
        for m in TEST_ATTR.finditer(text):
            f = FN.search(text, m.end())
            # Macro templates (`fn $check()`) are checked where the macro's checks are defined.
            if f and not f.group(1).startswith("$"):
                spans.append((f.group(1), f.start()))
        for block in re.finditer(r"proptest!\s*\{", text):
            inner = body_after(text, block.start())
            for f in PROPTEST_FN.finditer(inner):
                spans.append((f.group(1), block.start() + inner.index(f.group(0))))
        seen = set()
        for name, pos in spans:
            if name in seen:
                continue
            seen.add(name)
            body = body_after(text, skip_params(text, pos))
            if not OK.search(body):
                line = text.count("\n", 0, pos) + 1
                bad.append(f"{path.relative_to(ROOT)}:{line}: test `{name}` asserts nothing")
    for b in bad:
        print(b)
    print(f"{len(bad)} test(s) without an assertion")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
