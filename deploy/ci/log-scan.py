#!/usr/bin/env python3
"""Scans test logs for shoppers' email addresses in clear (G15: a log shows an address only as its pseudonym,
"email:<12 hex>"). CI runs it over the whole `mvn verify` output (every in-process service's log lines) and the
end-to-end services' own log files (e2e/target/e2e-logs), which hold thousands of test addresses between them.

A hit prints the file, the line number and the address masked (the scan must not print what it looks for), and the
scan exits 1. It also exits 1 when it read fewer lines than --min-lines: a scan of nothing proves nothing.

Usage: deploy/ci/log-scan.py [--min-lines N] PATH...   (a PATH is a file or a folder, scanned for *.log and *.txt)
       deploy/ci/log-scan.py --self-test
"""
import argparse
import pathlib
import re
import sys
import tempfile

# An address: a local part, "@", then at least two domain labels ending in letters. A Kafka position ("topic-3@42"),
# a Java module ("java.base@17.0.15") or an npm package ("kafkajs@2.2.4") is none.
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b")

# Addresses that are not shoppers': the project's own contacts in dependency metadata and the like.
NOT_SHOPPERS = re.compile(r"@(?:apache\.org|eclipse\.org|redhat\.com|jboss\.org|quarkus\.io|sonatype\.com)$", re.I)


def mask(address):
    local, _, domain = address.partition("@")
    return local[:1] + "***@" + domain[:1] + "***"


def scan_file(path, hits):
    lines = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            lines += 1
            if "@" not in line:
                continue
            for address in EMAIL.findall(line):
                if not NOT_SHOPPERS.search(address):
                    hits.append((path, number, mask(address)))
    return lines


def files(paths):
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file() and q.suffix in (".log", ".txt"))
        elif p.is_file():
            yield p


def scan(paths):
    hits, lines, count = [], 0, 0
    for f in files(paths):
        lines += scan_file(f, hits)
        count += 1
    return hits, lines, count


def self_test():
    with tempfile.TemporaryDirectory() as d:
        clean = pathlib.Path(d, "clean.log")
        clean.write_text("contact email:5f0c3b2a9e11 applied\nreplayed topic-3@42\njava.base@17.0.15\nkafkajs@2.2.4\n")
        dirty = pathlib.Path(d, "sub", "dirty.log")
        dirty.parent.mkdir()
        dirty.write_text("ok\nDead letter: jane.doe+vip@example.co.uk is invalid\n")
        hits, lines, count = scan([d])
        assert count == 2 and lines == 6, (count, lines)
        assert [(h[0].name, h[1], h[2]) for h in hits] == [("dirty.log", 2, "j***@e***")], hits
        hits, _, _ = scan([clean])
        assert hits == [], hits
    print("log-scan: self-test passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--min-lines", type=int, default=1000)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    hits, lines, count = scan(args.paths)
    for path, number, masked in hits[:50]:
        print(f"{path}:{number}: an address in clear ({masked})")
    if len(hits) > 50:
        print(f"... and {len(hits) - 50} more")
    if lines < args.min_lines:
        print(f"log-scan: only {lines} lines in {count} files under {' '.join(args.paths)}; expected at least {args.min_lines}")
        return 1
    print(f"log-scan: {lines} lines in {count} files, {len(hits)} addresses in clear")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
