#!/usr/bin/env python3
"""Checks that every test the docs name exists, so "proven by" tables cannot point at tests that were renamed or removed.

In README.md and docs/*.md, a backticked `SomeTest` names a test class, `SomeTest.method` one of its test methods,
`SomeTest.*` all of them, and a following `.method` on the same line another method of the class named last
(the convention of docs/architecture.md's guarantee table). A class is found by its file name under any module's
src/test/java (or src/main/java, for measurement and contract classes); a method in the class or a class it
extends. Exits 1 and lists what it could not find; prints one summary line otherwise.

Usage: deploy/ci/doc-tests.py [--self-test]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*(Test|Tests|IT|Measurement)$")
TOKEN = re.compile(r"`([^`\n]+)`")


def java_files():
    index = {}
    for path in ROOT.glob("*/src/*/java/**/*.java"):
        if "/target/" in str(path):
            continue
        index.setdefault(path.stem, []).append(path)
    return index


def methods_of(name, index, seen=None):
    """Method names declared in the class's file(s) and in the classes it extends (by simple name)."""
    seen = seen or set()
    if name in seen or name not in index:
        return set()
    seen.add(name)
    found = set()
    for path in index[name]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"\bvoid\s+(\w+)\s*\(", text))
        found |= set(re.findall(r"^\s*(?:[\w<>\[\],]+\s+)+(\w+)\s*\([^;]*\)\s*(?:throws [\w., ]+)?\{", text, re.M))
        for parent in re.findall(r"\bclass\s+" + re.escape(name) + r"\b[^{]*?\bextends\s+(\w+)", text):
            found |= methods_of(parent, index, seen)
    return found


def references(line):
    """(class, method or None) pairs a line of docs names; a `.method` token continues the class named last."""
    current = None
    for token in TOKEN.findall(line):
        token = token.strip()
        m = re.fullmatch(r"([A-Z]\w*)(?:\.(\w+|\*))?(?:\(\))?", token)
        if m and CLASS_NAME.match(m.group(1)):
            current = m.group(1)
            method = m.group(2)
            yield current, None if method in (None, "*") else method
            continue
        m = re.fullmatch(r"\.(\w+)(?:\(\))?", token)
        if m and current:
            yield current, m.group(1)


def check(lines, index):
    """The references on the given (page, number, line)s that name no class or method; and how many there were."""
    missing, checked, cache = [], 0, {}
    for page, number, line in lines:
        for cls, method in references(line):
            checked += 1
            at = f"{page}:{number}"
            if cls not in index:
                missing.append(f"{at}: no class {cls}")
            elif method is not None:
                if cls not in cache:
                    cache[cls] = methods_of(cls, index)
                if method not in cache[cls]:
                    missing.append(f"{at}: no method {cls}.{method}")
    return missing, checked


def self_test(index):
    """The check is not vacuous: made-up names on a line shaped like the guarantee table's are reported."""
    line = ("| G0 | x | y | gateway `SyncPlannerTest.emailsAreTrimmedAndLowerCased`, `.noSuchMethodAnywhere`, "
            "`NoSuchClassTest.x`, `HealthTest.probesAreUpWithRealKafkaAndPostgres` |")
    missing, checked = check([("self-test", 1, line)], index)
    expected = ["self-test:1: no method SyncPlannerTest.noSuchMethodAnywhere", "self-test:1: no class NoSuchClassTest"]
    if checked != 4 or missing != expected:
        print(f"doc-tests self-test FAILED: {checked} references, reported {missing}")
        return 1
    print("doc-tests self-test: made-up references are reported, inherited and real ones are not")
    return 0


def main():
    index = java_files()
    if "--self-test" in sys.argv:
        return self_test(index)
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    lines = [(doc.relative_to(ROOT), n, l) for doc in docs
             for n, l in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1)]
    missing, checked = check(lines, index)
    for m in missing:
        print("MISSING", m)
    print(f"doc-tests: {checked} test references in {len(docs)} pages, {len(missing)} not found")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
