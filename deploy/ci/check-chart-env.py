#!/usr/bin/env python3
"""Cross-checks the rendered chart against the services' configuration, both ways:
  - every environment variable the chart gives a service is one the service reads (a ${VAR} in its
    application.properties, the env form of one of its properties, a KAFKA_* client setting, or
    JAVA_TOOL_OPTIONS), so a renamed setting cannot leave the chart passing a dead variable;
  - every infrastructure variable the service reads (hosts, credentials, JWT, HTTP port, topic
    names, Klaviyo URL, active KEK) is set by the chart.
  deploy/ci/check-chart-env.py RENDERED.yaml
"""
import importlib.util
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("config_doc", HERE / "config-doc.py")
config_doc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(config_doc)
ROOT = HERE.parents[1]
MUST_SET = re.compile(r"^(POSTGRES_\w+|KAFKA_BOOTSTRAP_SERVERS|JWT_\w+|HTTP_PORT|\w+_TOPIC|KLAVIYO_BASE_URL|GATEWAY_CRYPTO_ACTIVE_KEY_ID)$")


def service_settings(service):
    props = (ROOT / service / "src/main/resources/application.properties").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", props))
    keys = {l.split("=", 1)[0].strip().lstrip("%").split(".", 1)[-1] if l.startswith("%") else l.split("=", 1)[0].strip()
            for l in props.splitlines() if "=" in l and not l.lstrip().startswith("#")}
    env_forms, map_prefixes = set(), set()
    for f in (ROOT / service / "src/main/java").rglob("*.java"):
        for prop, _, _, _ in config_doc.parse_mapping(f):
            if prop.endswith(".<id>"):
                map_prefixes.add(re.sub(r"[^A-Za-z0-9]", "_", prop[:-5]).upper() + "_")
            else:
                env_forms.add(re.sub(r"[^A-Za-z0-9]", "_", prop).upper())
    for k in keys:
        env_forms.add(re.sub(r"[^A-Za-z0-9]", "_", k).upper())
    return placeholders, env_forms, map_prefixes


def rendered_env(path):
    """{service: set(env names)} from the ConfigMaps' data and the Deployments' env lists."""
    out, current, kind, in_data = {}, None, None, False
    for line in pathlib.Path(path).read_text().splitlines():
        m = re.match(r"# Source: nosto-klaviyo-sync/charts/([^/]+)/templates/(\w+)\.yaml", line)
        if m:
            current, kind, in_data = m.group(1), m.group(2), False
            continue
        if line.startswith("---"):
            current = None
            continue
        if current is None:
            continue
        names = out.setdefault(current, set())
        if kind == "configmap":
            if line.startswith("data:"):
                in_data = True
            elif in_data:
                m = re.match(r"^  ([A-Za-z_][A-Za-z0-9_]*):", line)
                if m:
                    names.add(m.group(1))
        elif kind == "deployment":
            m = re.match(r"^\s+- name: ([A-Z_][A-Z0-9_]*)\s*$", line)
            if m:
                names.add(m.group(1))
    return out


problems = []
rendered = rendered_env(sys.argv[1])
for service, names in sorted(rendered.items()):
    placeholders, env_forms, map_prefixes = service_settings(service)
    for n in sorted(names):
        if n in placeholders or n in env_forms or n.startswith("KAFKA_") or n == "JAVA_TOOL_OPTIONS":
            continue
        if any(n.startswith(p) for p in map_prefixes):
            continue
        problems.append(f"{service}: the chart sets {n}, which the service does not read")
    for p in sorted(placeholders):
        if MUST_SET.match(p) and p not in names:
            problems.append(f"{service}: reads {p}, which the chart does not set")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
