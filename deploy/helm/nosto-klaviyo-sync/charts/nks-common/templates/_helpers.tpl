{{/*
Names, labels and checks shared by the service charts. Template names are global in Helm, hence
the "nks." prefix. Every template takes the service chart's context (.).
*/}}

{{- define "nks.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<service>, or just <service> when the release is named after it. */}}
{{- define "nks.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nks.labels" -}}
{{ include "nks.selectorLabels" . }}
app.kubernetes.io/version: {{ include "nks.imageTag" . | trunc 63 | quote }}
app.kubernetes.io/component: {{ .Values.component | quote }}
app.kubernetes.io/part-of: nosto-klaviyo-sync
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "nks.imageTag" -}}
{{- .Values.image.tag | default .Values.global.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/*
<registry>/<group>/<name>:<tag>, the same reference deploy/images/build gives the image
(quarkus.container-image.registry/group/name/tag).
*/}}
{{- define "nks.image" -}}
{{- $registry := .Values.image.registry | default .Values.global.image.registry -}}
{{- $group := .Values.image.group | default .Values.global.image.group -}}
{{- $name := .Values.image.name | default .Chart.Name -}}
{{- $repo := ternary (printf "%s/%s" $group $name) $name (ne $group "") -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry $repo (include "nks.imageTag" .) -}}
{{- else -}}
{{- printf "%s:%s" $repo (include "nks.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "nks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "nks.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The entry of global.topics this service consumes (its scale-out unit). */}}
{{- define "nks.inputTopicPartitions" -}}
{{- $topic := index .Values.global.topics .Values.inputTopic -}}
{{- if not $topic -}}
{{- fail (printf "%s: inputTopic %q is not a key of global.topics" .Chart.Name .Values.inputTopic) -}}
{{- end -}}
{{- $topic.partitions -}}
{{- end -}}

{{/*
Checks a JSON schema cannot express because they relate two values. A consumer group never
uses more consumers than the input topic has partitions: extra pods would sit idle (and per-account
ordering and pacing rely on one consumer per partition), so the chart refuses to render them.
*/}}
{{- define "nks.validate" -}}
{{- $partitions := int (include "nks.inputTopicPartitions" .) -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) $partitions) -}}
{{- fail (printf "%s: autoscaling.maxReplicas (%d) exceeds the %d partitions of its input topic %q; raise global.topics.%s.partitions first (see docs/operations.md, Scaling)" .Chart.Name (int .Values.autoscaling.maxReplicas) $partitions .Values.inputTopic .Values.inputTopic) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "%s: autoscaling.minReplicas (%d) exceeds autoscaling.maxReplicas (%d)" .Chart.Name (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and (not .Values.autoscaling.enabled) (gt (int .Values.replicaCount) $partitions) -}}
{{- fail (printf "%s: replicaCount (%d) exceeds the %d partitions of its input topic %q" .Chart.Name (int .Values.replicaCount) $partitions .Values.inputTopic) -}}
{{- end -}}
{{- $proto := .Values.global.kafka.securityProtocol -}}
{{- if and (hasPrefix "SASL" $proto) (not .Values.global.kafka.sasl.existingSecret) -}}
{{- fail (printf "global.kafka.securityProtocol %s needs global.kafka.sasl.existingSecret" $proto) -}}
{{- end -}}
{{- if not (include "nks.postgresSecret" .) -}}
{{- fail (printf "%s: set global.postgres.existingSecret (or database.existingSecret) to the Secret holding the database credentials" .Chart.Name) -}}
{{- end -}}
{{- with .Values.kek -}}
{{- $ids := list -}}
{{- range .keys }}{{ $ids = append $ids .id }}{{ end -}}
{{- if not (has .activeKeyId $ids) -}}
{{- fail (printf "kek.activeKeyId %q is not among kek.keys %v: the gateway would refuse to start" .activeKeyId $ids) -}}
{{- end -}}
{{- end -}}
{{- $jwt := .Values.global.jwt -}}
{{- if and (not $jwt.publicKey) (not $jwt.publicKeySecret.name) (not $jwt.publicKeyLocation) -}}
{{- fail "set global.jwt.publicKey (the PEM or JWK set inline), global.jwt.publicKeySecret.name (a Secret with it) or global.jwt.publicKeyLocation (e.g. the issuer's JWKS URL): every /api call is verified against it" -}}
{{- end -}}
{{- if not $jwt.issuer -}}
{{- fail "set global.jwt.issuer to your identity provider's issuer: every /api token must carry it" -}}
{{- end -}}
{{- if eq (trimSuffix "/" $jwt.issuer) "https://nosto-klaviyo-sync.local" -}}
{{- fail "global.jwt.issuer is the development issuer, whose private key is committed for tests: anyone could mint tokens. Use your identity provider's issuer (docs/operations.md, Security)" -}}
{{- end -}}
{{- if not $jwt.audience -}}
{{- fail "set global.jwt.audience: without it any token of the issuer, made for any system, would be accepted" -}}
{{- end -}}
{{- if eq (include "nks.pemBody" $jwt.publicKey) (include "nks.devKeyBody" .) -}}
{{- fail "global.jwt.publicKey is the committed development key (test-support/src/main/resources/test-jwt): anyone could sign tokens. Use your identity provider's key (docs/operations.md, Security)" -}}
{{- end -}}
{{- if or (contains "test-jwt" $jwt.publicKeyLocation) (contains "nosto-klaviyo-sync.local" $jwt.publicKeyLocation) -}}
{{- fail "global.jwt.publicKeyLocation points at the development key: use your identity provider's JWKS URL" -}}
{{- end -}}
{{- end -}}

{{- define "nks.postgresSecret" -}}
{{- .Values.database.existingSecret | default .Values.global.postgres.existingSecret -}}
{{- end -}}

{{- define "nks.kafkaTls" -}}
{{- if has .Values.global.kafka.securityProtocol (list "SSL" "SASL_SSL") -}}true{{- end -}}
{{- end -}}


{{/* A PEM's base64 body, without armour lines and whitespace (to compare keys however they are wrapped). */}}
{{- define "nks.pemBody" -}}
{{- regexReplaceAll "-----[A-Z ]+-----|\\s" (. | toString) "" -}}
{{- end -}}

{{/* The committed development public key (test-support/src/main/resources/test-jwt/publicKey.pem), refused in any install. */}}
{{- define "nks.devKeyBody" -}}
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAynaQfNuiAiHeZfhTNmZvxZBXOQvWK1rPlcnfy75P9LzyjW+spaQ9zGsN2uzj6aP0UTq1De57uN9KUyrNLUu98yysaObN+2Wu/qZ1pVKGhiNXyg0ghwioAhgYGXyyvVh07mjmf+3bb/Lf7A+8zZcWrzhnMs+c4cBMv+z3Ry0R+2dCqA/fRqyNadqr6pf2JIeH1BbnchpnD8MTP3qRII5PqBRwGt5GtDRTrag9sf+8EqurBaydNwTYdP5PH9u+0xoiASY3DqdLXMT+NLpmebzj2xlgRxWU77A2W5Xkjg+njThKsoiImVIe3ruigBtH/+Xztl1MQoA9uCGMj8bwWX78sQIDAQAB
{{- end -}}
