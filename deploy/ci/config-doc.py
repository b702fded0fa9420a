#!/usr/bin/env python3
"""Keeps docs/configuration.md in step with the code: the per-service tables between
`<!-- BEGIN GENERATED: <service> -->` and `<!-- END GENERATED: <service> -->` are generated from
the service's @ConfigMapping interfaces (names, defaults, Javadoc), its @ConfigProperty fields and
its application.properties (every key, the environment variable a ${VAR:default} reads, the
comment above it). The text around the tables is written by hand.

  deploy/ci/config-doc.py           rewrite the tables
  deploy/ci/config-doc.py --check   exit 1 if the tables differ from the code (run by check-chart)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
SERVICES = ["segment-service", "sync-worker", "klaviyo-gateway"]


def kebab(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


def env_form(prop):
    return re.sub(r"[^A-Za-z0-9]", "_", prop).upper()


def clean_javadoc(text):
    text = re.sub(r"^\s*/\*\*|\*/\s*$", "", text.strip())
    lines = [re.sub(r"^\s*\*\s?", "", l) for l in text.splitlines()]
    text = " ".join(l.strip() for l in lines if l.strip())
    text = re.sub(r"\{@(?:code|link) ([^}]*)\}", r"`\1`", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("|", "\\|")


def parse_mapping(path):
    """Returns [(property, type, default, description)] of one @ConfigMapping interface file."""
    src = path.read_text()
    m = re.search(r'@ConfigMapping\(prefix\s*=\s*"([^"]+)"\)\s*public\s+interface\s+(\w+)', src)
    if not m:
        return []
    prefix, root = m.group(1), m.group(2)
    # Body of each interface by name (brace matching).
    bodies = {}
    for im in re.finditer(r"interface\s+(\w+)\s*\{", src):
        depth, i = 1, im.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(src[i], 0)
            i += 1
        bodies[im.group(1)] = src[im.end():i - 1]
    out = []

    def walk(iface, path_prefix):
        body = bodies[iface]
        # Cut nested interface declarations so only this level's methods are seen (Javadoc braces
        # such as {@code x} stay).
        flat = body
        for nested in re.finditer(r"interface\s+(\w+)\s*\{", body):
            inner = bodies[nested.group(1)]
            flat = flat.replace(nested.group(0) + inner + "}", "")
        member = re.compile(r"((?:/\*\*(?:(?!\*/).)*\*/\s*)?)((?:@\w+(?:\([^)]*\))?\s*)*)([\w<>, ?.]+?)\s+(\w+)\(\)\s*;", re.S)
        for mm in member.finditer(flat):
            doc, annos, typ, name = mm.group(1), mm.group(2), mm.group(3).strip(), mm.group(4)
            typ = re.sub(r"^interface\s+\w+\s*", "", typ).strip()
            wn = re.search(r'@WithName\("([^"]+)"\)', annos)
            prop = f"{path_prefix}.{wn.group(1) if wn else kebab(name)}"
            if typ in bodies:
                walk(typ, prop)
                continue
            d = re.search(r'@WithDefault\("([^"]*)"\)', annos)
            default = d.group(1) if d else ("(none)" if typ.startswith("Optional") else "(required)")
            if typ.startswith("Map<"):
                prop += ".<id>"
                default = "(none)"
            out.append((prop, typ, default, clean_javadoc(doc) if doc else ""))

    walk(root, prefix)
    return out


def parse_properties(path):
    """Returns {key: (value, comment)} for the base (profile-less) keys and a set of profile keys."""
    base, profiles, comment = {}, {}, []
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s:
            comment = []
            continue
        if s.startswith("#"):
            text = s.lstrip("#").strip()
            if not text or text.startswith("---") or set(text) <= set("-= "):
                comment = []  # a section rule or heading, not about the next key
            else:
                comment.append(text)
            continue
        key, _, value = s.partition("=")
        key, value = key.strip(), value.strip()
        if key.startswith("%"):
            prof, _, k = key[1:].partition(".")
            profiles.setdefault(k, []).append(prof)
        else:
            base[key] = (value, " ".join(comment))
        comment = []
    return base, profiles


def env_and_default(value):
    """`${VAR:default}` -> (VAR, default); anything else -> (None, value)."""
    m = re.fullmatch(r"\$\{([A-Z0-9_]+):?([^}]*)\}", value)
    return (m.group(1), m.group(2)) if m else (None, value)


def table(service):
    base_dir = ROOT / service / "src" / "main"
    props, profiles = parse_properties(base_dir / "resources" / "application.properties")
    rows, seen = [], set()

    def profile_note(key):
        p = profiles.get(key)
        return f" Overridden in profile {', '.join('%' + x for x in sorted(set(p)))}." if p else ""

    mapped = []
    for f in sorted((base_dir / "java").rglob("*.java")):
        mapped += parse_mapping(f)
        for cm in re.finditer(r'@ConfigProperty\(name\s*=\s*"([^"]+)"(?:,\s*defaultValue\s*=\s*"([^"]*)")?\)', f.read_text()):
            if cm.group(1) not in props:
                mapped.append((cm.group(1), "", cm.group(2) if cm.group(2) is not None else "(required)",
                               f"Read by `{f.stem}`."))
    for prop, typ, default, desc in mapped:
        env, dflt = None, default
        if prop in props:
            env, val = env_and_default(props[prop][0])
            dflt = val if val != "" else ("(empty)" if env else default)
        envs = [f"`{env}`"] if env else []
        if not prop.endswith(".<id>"):
            envs.append(f"`{env_form(prop)}`")
        else:
            envs.append(f"`{env_form(prop[:-5])}_<ID>`")
        rows.append((prop, " or ".join(dict.fromkeys(envs)), dflt, (desc + profile_note(prop)).strip()))
        seen.add(prop)
    for key, (value, comment) in props.items():
        if key in seen:
            continue
        env, dflt = env_and_default(value)
        rows.append((key, f"`{env}`" if env else f"`{env_form(key)}`", dflt if dflt != "" else "(empty)",
                     (comment + profile_note(key)).strip()))
    for key in sorted(profiles):
        if key not in seen and key not in props:
            rows.append((key, f"`{env_form(key)}`", "(unset)",
                         f"Set only in profile {', '.join('%' + x for x in sorted(set(profiles[key])))}."))
    lines = ["| Property | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    for prop, env, dflt, desc in rows:
        dflt = dflt.replace("|", "\\|")
        desc = re.sub(r"(?<!\\)\|", "\\|", desc)
        lines.append(f"| `{prop}` | {env} | `{dflt}` | {desc} |")
    return "\n".join(lines)


def render(doc):
    for svc in SERVICES:
        begin, end = f"<!-- BEGIN GENERATED: {svc} -->", f"<!-- END GENERATED: {svc} -->"
        if begin not in doc or end not in doc:
            sys.exit(f"{DOC}: markers for {svc} are missing")
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = f"{head}{begin}\n{table(svc)}\n{end}{tail}"
    return doc


def main():
    current = DOC.read_text()
    wanted = render(current)
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        if wanted != current:
            print("docs/configuration.md is out of date with the services' configuration: run deploy/ci/config-doc.py", file=sys.stderr)
            sys.exit(1)
    else:
        DOC.write_text(wanted)


if __name__ == "__main__":
    main()
