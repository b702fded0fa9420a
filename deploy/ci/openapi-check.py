#!/usr/bin/env python3
"""Checks that the committed OpenAPI documents (docs/api/<service>.yaml) are what the code generates, so the API
description cannot drift from the resources. Each service's build stores its document in
<service>/target/openapi/openapi.yaml (quarkus.smallrye-openapi.store-schema-directory); run after `mvn package`
or `mvn verify`. The documents are compared parsed, keys sorted (the generator may order sections differently);
without PyYAML, as text. Exits 1 and says which differ (or were not built); prints one summary line otherwise.

Usage: deploy/ci/openapi-check.py [--write]   (--write: copy the built documents to docs/api/, after changing an API)
"""
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVICES = ["segment-service", "sync-worker", "klaviyo-gateway"]

try:
    import yaml
except ImportError:  # compare the text: --write copies the built file as it is
    yaml = None


def canonical(path):
    text = path.read_text(encoding="utf-8")
    if yaml is None:
        return text
    return json.dumps(yaml.safe_load(text), sort_keys=True, indent=1, default=str)


def main(argv):
    write = "--write" in argv
    problems = []
    for service in SERVICES:
        built = ROOT / service / "target" / "openapi" / "openapi.yaml"
        committed = ROOT / "docs" / "api" / f"{service}.yaml"
        if not built.exists():
            problems.append(f"{service}: {built.relative_to(ROOT)} is missing (build the service first: mvn package)")
            continue
        if write:
            committed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, committed)
            continue
        if not committed.exists():
            problems.append(f"{service}: {committed.relative_to(ROOT)} is missing")
        elif canonical(built) != canonical(committed):
            problems.append(f"{service}: {committed.relative_to(ROOT)} differs from what the code generates"
                            f" ({built.relative_to(ROOT)})")
    if problems:
        print("openapi-check: " + "\n openapi-check: ".join(problems))
        print("openapi-check: after changing an API, build it and run deploy/ci/openapi-check.py --write")
        return 1
    print(f"openapi-check: {'wrote' if write else 'the committed documents match the code for'} {len(SERVICES)} services"
          + ("" if yaml else " (compared as text: no PyYAML)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
