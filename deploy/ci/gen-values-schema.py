#!/usr/bin/env python3
"""Writes deploy/helm/nosto-klaviyo-sync/values.schema.json. The schema is kept as code so the
per-service block is written once for all three services; check-chart fails if the committed
file differs from what this prints (run it after changing the values)."""
import json
import pathlib
import sys

CHART = pathlib.Path(__file__).resolve().parents[1] / "helm" / "nosto-klaviyo-sync"


def obj(props, required=(), extra=False, desc=None):
    o = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        o["required"] = list(required)
    if desc:
        o["description"] = desc
    return o


def s(desc=None, **kw):
    o = {"type": "string", **kw}
    if desc:
        o["description"] = desc
    return o


def i(desc=None, **kw):
    o = {"type": "integer", **kw}
    if desc:
        o["description"] = desc
    return o


b = {"type": "boolean"}
str_map = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
any_obj = {"type": "object"}
any_list = {"type": "array"}
k8s_name = s(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength=253)
env_name = r"^[A-Za-z_][A-Za-z0-9_]*$"
quantity = {"type": ["string", "number"], "pattern": r"^[0-9.]+[a-zA-Z]*$"}
resources = obj({
    "requests": obj({"cpu": quantity, "memory": quantity, "ephemeral-storage": quantity}),
    "limits": obj({"cpu": quantity, "memory": quantity, "ephemeral-storage": quantity}),
})
probe = obj({"periodSeconds": i(minimum=1), "failureThreshold": i(minimum=1)})

service = obj({
    "enabled": b,
    "component": s(),
    "inputTopic": s("Key of global.topics this service consumes; caps its replicas.",
                    enum=["segmentEvents", "membershipChanges", "syncBatches"]),
    "fullnameOverride": s(maxLength=63),
    "image": obj({"registry": s(), "group": s(), "name": s(), "tag": s(),
                  "pullPolicy": s(enum=["", "Always", "IfNotPresent", "Never"])}),
    "replicaCount": i(minimum=0),
    "containerPort": i(minimum=1024, maximum=65535),
    "managementPort": i("Health and metrics (MANAGEMENT_PORT), apart from the API port.", minimum=1024, maximum=65535),
    "ingress": obj({"host": s("Key of global.ingress.hosts.", enum=["gateway", "segmentService", "syncWorker"]),
                    "paths": {"type": "array", "minItems": 1, "items": s(pattern=r"^/[A-Za-z0-9/_-]*$")}},
                   required=["host", "paths"]),
    "adminUi": s("page: serves the admin page; api: is called by it.", enum=["page", "api"]),
    "service": obj({"type": s(enum=["ClusterIP", "NodePort", "LoadBalancer"]),
                    "port": i(minimum=1, maximum=65535)}),
    "javaToolOptions": s(),
    "resources": resources,
    "autoscaling": obj({
        "enabled": b,
        "minReplicas": i(minimum=1),
        "maxReplicas": i("At most the input topic's partitions (checked when rendering).", minimum=1),
        "targetCPUUtilizationPercentage": i(minimum=1, maximum=100),
        "scaleDownStabilizationSeconds": i(minimum=0, maximum=3600),
    }),
    "podDisruptionBudget": obj({"enabled": b, "maxUnavailable": {"type": ["integer", "string"]}}),
    "probes": obj({"timeoutSeconds": i(minimum=1), "startup": probe, "liveness": probe, "readiness": probe}),
    "terminationGracePeriodSeconds": i(minimum=0),
    "database": obj({"name": s(), "existingSecret": s(), "usernameKey": s(), "passwordKey": s()}),
    "topicEnv": {"type": "object", "propertyNames": {"pattern": env_name},
                 "additionalProperties": s(enum=["segmentEvents", "segmentEventsDlq", "membershipChanges",
                                                 "membershipChangesDlq", "syncBatches", "syncBatchesDlq"])},
    "config": {"type": "object", "propertyNames": {"pattern": env_name},
               "additionalProperties": {"type": ["string", "number", "boolean"]}},
    "secretEnv": {"type": "array", "items": obj({"name": s(pattern=env_name), "secretName": k8s_name,
                                                 "key": s(minLength=1), "optional": b},
                                                required=["name", "secretName", "key"])},
    "kek": obj({
        "activeKeyId": s("Id of the key that encrypts new Klaviyo keys; must be among keys.", pattern=r"^[a-z0-9]+$"),
        "keys": {"type": "array", "minItems": 1,
                 "items": obj({"id": s("Lower-case letters and digits: the env name GATEWAY_CRYPTO_KEYS_<ID> maps back to it.", pattern=r"^[a-z0-9]+$"), "secretName": k8s_name,
                               "key": s(minLength=1)}, required=["id", "secretName", "key"])},
    }, required=["activeKeyId", "keys"], desc="klaviyo-gateway only: key-encryption keys."),
    "extraEnv": any_list,
    "extraVolumes": any_list,
    "extraVolumeMounts": any_list,
    "tmpSizeLimit": quantity,
    "serviceAccount": obj({"create": b, "name": s(), "annotations": str_map}),
    "podSecurityContext": any_obj,
    "containerSecurityContext": any_obj,
    "topologySpread": obj({"enabled": b, "topologyKey": s(),
                           "whenUnsatisfiable": s(enum=["ScheduleAnyway", "DoNotSchedule"])}),
    "podAnnotations": str_map,
    "nodeSelector": str_map,
    "tolerations": any_list,
    "affinity": any_obj,
    # Helm copies global into every sub-chart's values.
    "global": any_obj,
})

topic = obj({
    "name": s("Topic name passed to the services.", pattern=r"^[a-zA-Z0-9._-]{1,249}$"),
    "partitions": i("Partitions; caps the consumer's replicas.", minimum=1, maximum=1000),
    "replicas": i(minimum=1, maximum=32767),
    "config": {"type": "object", "additionalProperties": {"type": ["string", "number"]},
               "properties": {"cleanup.policy": s(enum=["delete", "compact", "compact,delete", "delete,compact"])}},
}, required=["name", "partitions", "replicas"])

topic_keys = ["segmentEvents", "segmentEventsDlq", "membershipChanges", "membershipChangesDlq",
              "syncBatches", "syncBatchesDlq"]

global_ = obj({
    "image": obj({"registry": s(), "group": s(), "tag": s(),
                  "pullPolicy": s(enum=["Always", "IfNotPresent", "Never"]),
                  "pullSecrets": {"type": "array", "items": k8s_name}}, required=["group", "pullPolicy"]),
    "commonLabels": str_map,
    "logFormat": s("Console log lines: text (dated) or json (one object a line; LOG_JSON).", enum=["text", "json"]),
    "kafka": obj({
        "bootstrapServers": s("host:port[,host:port]", minLength=1, pattern=r"^[^,\s]+:[0-9]+(,[^,\s]+:[0-9]+)*$"),
        "securityProtocol": s(enum=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]),
        "sasl": obj({"mechanism": s(enum=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]),
                     "existingSecret": s(), "jaasConfigKey": s(minLength=1)}),
        "tls": obj({"caSecret": s(), "caKey": s(minLength=1), "clientSecret": s(),
                    "clientKeystoreKey": s(minLength=1), "clientPasswordKey": s(minLength=1)}),
    }, required=["bootstrapServers", "securityProtocol"]),
    "postgres": obj({"host": s(minLength=1), "port": i(minimum=1, maximum=65535),
                     "database": s(minLength=1), "existingSecret": s(),
                     "usernameKey": s(minLength=1), "passwordKey": s(minLength=1)},
                    required=["host", "port", "database"]),
    "jwt": obj({"issuer": s("Required when rendering; the development issuer is refused."),
                "audience": s(minLength=1),
                "publicKey": s("PEM or JWK set inline; the development key is refused."),
                "publicKeySecret": obj({"name": s(), "key": s(minLength=1)}),
                "publicKeyLocation": s()}, required=["issuer", "audience"]),
    "networkPolicy": obj({"enabled": b, "apiFrom": any_list, "managementFrom": any_list}),
    "ingress": obj({"enabled": b, "className": s(), "annotations": str_map,
                    "hosts": obj({k: s(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.|$))*$") for k in
                                  ["gateway", "segmentService", "syncWorker"]}),
                    "tlsSecret": s()}),
    "adminUi": obj({"allowedOrigins": {"type": "array", "items": s(pattern=r"^https?://[^/\s]+$")},
                    "segmentServiceUrl": s(pattern=r"^(https?://[^/\s]+)?$"),
                    "syncWorkerUrl": s(pattern=r"^(https?://[^/\s]+)?$")}),
    "tracing": obj({"enabled": b, "endpoint": s(pattern=r"^(https?://[^\s]+)?$"),
                    "sampler": {"type": "number", "minimum": 0, "maximum": 1}}),
    "topics": obj({k: topic for k in topic_keys}, required=topic_keys),
    "strimzi": obj({"enabled": b, "clusterName": s(minLength=1), "namespace": s(),
                    "apiVersion": s(enum=["kafka.strimzi.io/v1beta2", "kafka.strimzi.io/v1"])}),
    "serviceMonitor": obj({"enabled": b, "interval": s(pattern=r"^[0-9]+(ms|s|m|h)$"),
                           "scrapeTimeout": s(pattern=r"^[0-9]+(ms|s|m|h)$"), "labels": str_map}),
    "prometheusRule": obj({"enabled": b, "lagThreshold": i(minimum=1),
                           "throttledRatio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                           "klaviyoErrorsPerSecond": {"type": "number", "exclusiveMinimum": 0},
                           "rowErrorsPerHour": i(minimum=0),
                           "outboxOldestAgeSeconds": i(minimum=1),
                           "windowFreshnessP99Seconds": i(minimum=1),
                           # Followed by docs/operations.md#...: a URL prefix ending in a slash.
                           "runbookBaseUrl": s(pattern=r"^https?://[^\s]+/$")}),
    "grafanaDashboard": obj({"enabled": b, "labels": str_map, "folder": s()}),
}, required=["image", "kafka", "postgres", "jwt", "topics"])

schema = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "nosto-klaviyo-sync values",
    "description": "Generated by deploy/ci/gen-values-schema.py; do not edit by hand.",
    "type": "object",
    "properties": {
        "global": global_,
        "segment-service": service,
        "sync-worker": service,
        "klaviyo-gateway": service,
        # Helm sets this for the library dependency's (empty) values.
        "nks-common": any_obj,
    },
    "required": ["global"],
    "additionalProperties": False,
}

text = json.dumps(schema, indent=2) + "\n"
target = CHART / "values.schema.json"
if len(sys.argv) > 1 and sys.argv[1] == "--check":
    if not target.exists() or target.read_text() != text:
        print("values.schema.json is out of date: run deploy/ci/gen-values-schema.py", file=sys.stderr)
        sys.exit(1)
else:
    target.write_text(text)
