{{/*
Non-secret settings, passed to the container as environment variables (envFrom). The services
read exactly these names (docs/configuration.md); secrets are added in the Deployment instead.
*/}}
{{- define "nks.configData" -}}
HTTP_PORT: {{ .Values.containerPort | quote }}
MANAGEMENT_PORT: {{ .Values.managementPort | quote }}
LOG_JSON: {{ eq (.Values.global.logFormat | default "text") "json" | quote }}
KAFKA_BOOTSTRAP_SERVERS: {{ required "global.kafka.bootstrapServers is required" .Values.global.kafka.bootstrapServers | quote }}
{{- /* Quarkus passes every KAFKA_* variable to the Kafka clients as kafka.* (KAFKA_SECURITY_PROTOCOL -> security.protocol). */}}
KAFKA_SECURITY_PROTOCOL: {{ .Values.global.kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL" .Values.global.kafka.securityProtocol }}
KAFKA_SASL_MECHANISM: {{ .Values.global.kafka.sasl.mechanism | quote }}
{{- end }}
{{- if and (include "nks.kafkaTls" .) .Values.global.kafka.tls.caSecret }}
KAFKA_SSL_TRUSTSTORE_TYPE: "PEM"
KAFKA_SSL_TRUSTSTORE_LOCATION: "/etc/kafka/ca/{{ .Values.global.kafka.tls.caKey }}"
{{- end }}
{{- if and (include "nks.kafkaTls" .) .Values.global.kafka.tls.clientSecret }}
KAFKA_SSL_KEYSTORE_TYPE: "PKCS12"
KAFKA_SSL_KEYSTORE_LOCATION: "/etc/kafka/client/{{ .Values.global.kafka.tls.clientKeystoreKey }}"
{{- end }}
POSTGRES_HOST: {{ required "global.postgres.host is required" .Values.global.postgres.host | quote }}
POSTGRES_PORT: {{ .Values.global.postgres.port | quote }}
POSTGRES_DB: {{ .Values.database.name | default .Values.global.postgres.database | quote }}
JWT_ISSUER: {{ .Values.global.jwt.issuer | quote }}
JWT_AUDIENCE: {{ .Values.global.jwt.audience | quote }}
{{- if .Values.global.jwt.publicKey }}
JWT_PUBLIC_KEY_LOCATION: "file:/etc/jwt/publicKey"
{{- else if .Values.global.jwt.publicKeySecret.name }}
JWT_PUBLIC_KEY_LOCATION: "file:/etc/jwt/{{ .Values.global.jwt.publicKeySecret.key }}"
{{- else }}
JWT_PUBLIC_KEY_LOCATION: {{ .Values.global.jwt.publicKeyLocation | quote }}
{{- end }}
{{- include "nks.adminUiEnv" . }}
{{- with .Values.global.tracing }}
{{- if .enabled }}
OTEL_SDK_DISABLED: "false"
OTEL_EXPORTER_OTLP_ENDPOINT: {{ required "global.tracing.endpoint is required when global.tracing.enabled" .endpoint | quote }}
OTEL_TRACES_SAMPLER_ARG: {{ .sampler | toString | quote }}
{{- end }}
{{- end }}
{{- with .Values.javaToolOptions }}
JAVA_TOOL_OPTIONS: {{ . | quote }}
{{- end }}
{{- with .Values.kek }}
GATEWAY_CRYPTO_ACTIVE_KEY_ID: {{ .activeKeyId | quote }}
{{- end }}
{{- range $env, $topicKey := .Values.topicEnv }}
{{ $env }}: {{ (index $.Values.global.topics $topicKey).name | quote }}
{{- end }}
{{- range $k, $v := .Values.config }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{- define "nks.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
data:
  {{- include "nks.configData" . | nindent 2 }}
{{- end -}}


{{/*
The admin page's wiring (docs/admin-ui.md): the gateway serves it and tells it where segment-service and sync-worker
are (also its CSP connect-src); those two let the page's origins call them (CORS).
*/}}
{{- define "nks.adminUiEnv" -}}
{{- $ui := .Values.global.adminUi -}}
{{- $hosts := .Values.global.ingress.hosts -}}
{{- $on := .Values.global.ingress.enabled -}}
{{- if eq .Values.adminUi "page" }}
{{- $seg := $ui.segmentServiceUrl | default (ternary (printf "https://%s" $hosts.segmentService) "" (and $on (ne $hosts.segmentService ""))) }}
{{- $wrk := $ui.syncWorkerUrl | default (ternary (printf "https://%s" $hosts.syncWorker) "" (and $on (ne $hosts.syncWorker ""))) }}
{{- with $seg }}
ADMIN_UI_SEGMENT_SERVICE_URL: {{ . | quote }}
{{- end }}
{{- with $wrk }}
ADMIN_UI_SYNC_WORKER_URL: {{ . | quote }}
{{- end }}
{{- else }}
{{- $origins := $ui.allowedOrigins }}
{{- if and (not $origins) $on $hosts.gateway }}{{ $origins = list (printf "https://%s" $hosts.gateway) }}{{ end }}
{{- with $origins }}
ADMIN_UI_ORIGINS: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- end -}}
