{{/*
Non-secret settings, passed to the container as environment variables (envFrom). The services
read exactly these names (docs/configuration.md); secrets are added in the Deployment instead.
*/}}
{{- define "nks.configData" -}}
HTTP_PORT: {{ .Values.containerPort | quote }}
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
{{- if .Values.global.jwt.publicKeySecret.name }}
JWT_PUBLIC_KEY_LOCATION: "file:/etc/jwt/{{ .Values.global.jwt.publicKeySecret.key }}"
{{- else }}
JWT_PUBLIC_KEY_LOCATION: {{ .Values.global.jwt.publicKeyLocation | quote }}
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
