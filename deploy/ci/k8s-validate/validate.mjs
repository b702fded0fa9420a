// Validates rendered manifests (multi-document YAML files given as arguments):
//  1. each object against the JSON schema of its apiVersion/kind (kubernetes-models: Kubernetes
//     1.27 OpenAPI schemas compiled with ajv; prometheus-operator for ServiceMonitor), and a
//     strict subset of Strimzi's KafkaTopic CRD (no npm package ships it);
//  2. the rules this chart promises (labels, probes, security context, references between objects).
// Unknown kinds fail: a new resource type must be added here, not slip through unchecked.
// Prints one line per file and exits 1 on any error.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const groups = {
  "v1": () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
};

const REQUIRED_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
  "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validateKafkaTopic(o, err) {
  // Strimzi KafkaTopic (kafka.strimzi.io/v1beta2 and v1): spec.partitions >= 1, spec.replicas 1..32767,
  // spec.config values scalar, spec.topicName string; nothing else in spec.
  if (!["kafka.strimzi.io/v1beta2", "kafka.strimzi.io/v1"].includes(o.apiVersion)) err(`unsupported apiVersion ${o.apiVersion}`);
  if (!o.metadata?.labels?.["strimzi.io/cluster"]) err("missing label strimzi.io/cluster (the Topic Operator ignores the topic)");
  const spec = o.spec ?? {};
  for (const k of Object.keys(spec)) if (!["topicName", "partitions", "replicas", "config"].includes(k)) err(`spec.${k} is not a KafkaTopic field`);
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) err("spec.partitions must be an integer >= 1");
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1 || spec.replicas > 32767) err("spec.replicas must be an integer 1..32767");
  if (spec.topicName !== undefined && typeof spec.topicName !== "string") err("spec.topicName must be a string");
  for (const [k, v] of Object.entries(spec.config ?? {})) if (typeof v === "object") err(`spec.config.${k} must be a scalar`);
}

function checkRules(objs, err) {
  const byKind = (k) => objs.filter((o) => o.kind === k);
  const names = (k) => new Set(byKind(k).map((o) => o.metadata.name));
  for (const o of objs) {
    const where = `${o.kind}/${o.metadata?.name}`;
    if (!DNS1123.test(o.metadata?.name ?? "") || o.metadata.name.length > 63) err(where, "name is not a DNS-1123 label of <= 63 chars");
    if (o.kind === "KafkaTopic") continue;
    for (const l of REQUIRED_LABELS) if (!o.metadata?.labels?.[l]) err(where, `missing label ${l}`);
  }
  const deployments = byKind("Deployment");
  const configMaps = names("ConfigMap"), serviceAccounts = names("ServiceAccount");
  for (const d of deployments) {
    const where = `Deployment/${d.metadata.name}`;
    const pod = d.spec.template.spec;
    const sel = d.spec.selector.matchLabels;
    for (const [k, v] of Object.entries(sel)) if (d.spec.template.metadata.labels[k] !== v) err(where, `pod labels do not match selector ${k}`);
    if (pod.securityContext?.runAsNonRoot !== true) err(where, "pod securityContext.runAsNonRoot must be true");
    if (pod.serviceAccountName && pod.serviceAccountName !== "default" && !serviceAccounts.has(pod.serviceAccountName)) err(where, `ServiceAccount ${pod.serviceAccountName} is not rendered`);
    for (const c of pod.containers) {
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) err(where, `${c.name}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) err(where, `${c.name}: allowPrivilegeEscalation must be false`);
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
      if (!tmp || !pod.volumes?.find((v) => v.name === tmp.name && v.emptyDir)) err(where, `${c.name}: /tmp must be an emptyDir mount`);
      const probes = { startupProbe: "/q/health/started", livenessProbe: "/q/health/live", readinessProbe: "/q/health/ready" };
      for (const [p, path] of Object.entries(probes)) if (c[p]?.httpGet?.path !== path) err(where, `${c.name}: ${p} must GET ${path}`);
      for (const p of Object.keys(probes)) if (c[p]?.httpGet?.port !== "management") err(where, `${c.name}: ${p} must use the management port`);
      if (!(c.ports ?? []).some((p) => p.name === "management")) err(where, `${c.name}: no port named management`);
      if (!c.resources?.requests?.memory || !c.resources?.limits?.memory) err(where, `${c.name}: memory request and limit are required`);
      if (/:latest$|^[^:]+$/.test(c.image)) err(where, `${c.name}: image ${c.image} needs a fixed tag`);
      for (const ef of c.envFrom ?? []) if (ef.configMapRef && !configMaps.has(ef.configMapRef.name)) err(where, `ConfigMap ${ef.configMapRef.name} is not rendered`);
      for (const m of c.volumeMounts ?? []) if (!pod.volumes?.find((v) => v.name === m.name)) err(where, `mount ${m.name} has no volume`);
    }
  }
  const matches = (selector, labels) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
  for (const s of byKind("Service")) {
    if (!deployments.some((d) => matches(s.spec.selector, d.spec.template.metadata.labels))) err(`Service/${s.metadata.name}`, "selects no rendered Deployment");
  }
  for (const p of byKind("PodDisruptionBudget")) {
    if (!deployments.some((d) => matches(p.spec.selector.matchLabels, d.spec.template.metadata.labels))) err(`PodDisruptionBudget/${p.metadata.name}`, "selects no rendered Deployment");
  }
  for (const h of byKind("HorizontalPodAutoscaler")) {
    const d = deployments.find((x) => x.metadata.name === h.spec.scaleTargetRef.name);
    if (!d) err(`HorizontalPodAutoscaler/${h.metadata.name}`, "targets no rendered Deployment");
    else if (d.spec.replicas !== undefined) err(`Deployment/${d.metadata.name}`, "sets replicas although an HPA scales it");
  }
  for (const m of byKind("ServiceMonitor")) {
    if (!byKind("Service").some((s) => matches(m.spec.selector.matchLabels, s.metadata.labels))) err(`ServiceMonitor/${m.metadata.name}`, "selects no rendered Service");
    if (m.spec.endpoints.some((e) => e.port !== "management")) err(`ServiceMonitor/${m.metadata.name}`, "must scrape the management port");
  }
  const services = byKind("Service");
  for (const s of services) {
    if (!s.spec.ports.some((p) => p.name === "management")) err(`Service/${s.metadata.name}`, "has no management port (ServiceMonitor)");
  }
  for (const n of byKind("NetworkPolicy")) {
    const where = `NetworkPolicy/${n.metadata.name}`;
    if (!deployments.some((d) => matches(n.spec.podSelector.matchLabels ?? {}, d.spec.template.metadata.labels))) err(where, "selects no rendered Deployment");
    const ports = (n.spec.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
    if (!ports.includes("http") || !ports.includes("management")) err(where, "must say who reaches the http and the management port");
    if ((n.spec.ingress ?? []).some((r) => !r.ports?.length)) err(where, "an ingress rule without ports opens every port");
  }
  for (const i of byKind("Ingress")) {
    for (const rule of i.spec.rules ?? []) for (const p of rule.http?.paths ?? []) {
      const svc = services.find((s) => s.metadata.name === p.backend.service?.name);
      if (!svc) err(`Ingress/${i.metadata.name}`, `backend ${p.backend.service?.name} is not a rendered Service`);
      if (p.backend.service?.port?.name !== "http") err(`Ingress/${i.metadata.name}`, `${p.path} must route to the http port, never management`);
    }
  }
}

let failures = 0;
for (const file of process.argv.slice(2)) {
  const errors = [];
  const objs = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) { errors.push(`YAML: ${doc.errors[0].message}`); continue; }
    const o = doc.toJS();
    if (o == null) continue;
    objs.push(o);
    const where = `${o.kind}/${o.metadata?.name}`;
    const err = (msg) => errors.push(`${where}: ${msg}`);
    if (o.kind === "KafkaTopic") { validateKafkaTopic(o, err); continue; }
    const load = groups[o.apiVersion];
    const Model = load && (await load())[o.kind];
    if (!Model) { err(`no schema for ${o.apiVersion} ${o.kind}`); continue; }
    try {
      new Model(o).validate();
    } catch (e) {
      err(`schema: ${e.message}`);
    }
  }
  checkRules(objs, (where, msg) => errors.push(`${where}: ${msg}`));
  const kinds = {};
  for (const o of objs) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const summary = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ");
  if (errors.length) {
    failures++;
    console.log(`FAIL ${file}: ${objs.length} objects (${summary})`);
    for (const e of errors) console.log(`  - ${e}`);
  } else {
    console.log(`ok   ${file}: ${objs.length} objects valid (${summary})`);
  }
}
process.exit(failures ? 1 : 0);
