{{- define "nks.deployment" -}}
{{- include "nks.validate" . -}}
{{- $kafka := .Values.global.kafka -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "nks.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Never below the wanted consumers during a rollout; one extra pod at a time.
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "nks.labels" . | nindent 8 }}
      annotations:
        # Roll the pods when the settings change (env vars are read at start only).
        checksum/config: {{ include "nks.configData" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "nks.serviceAccountName" . }}
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      {{- with .Values.global.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ include "nks.name" . }}
          image: {{ include "nks.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy | default .Values.global.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
            - name: management
              containerPort: {{ .Values.managementPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "nks.fullname" . }}
          env:
            - name: POSTGRES_USER
              valueFrom:
                secretKeyRef:
                  name: {{ include "nks.postgresSecret" . }}
                  key: {{ .Values.database.usernameKey | default .Values.global.postgres.usernameKey }}
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "nks.postgresSecret" . }}
                  key: {{ .Values.database.passwordKey | default .Values.global.postgres.passwordKey }}
            {{- if hasPrefix "SASL" $kafka.securityProtocol }}
            - name: KAFKA_SASL_JAAS_CONFIG
              valueFrom:
                secretKeyRef:
                  name: {{ $kafka.sasl.existingSecret }}
                  key: {{ $kafka.sasl.jaasConfigKey }}
            {{- end }}
            {{- if and (include "nks.kafkaTls" .) $kafka.tls.clientSecret }}
            - name: KAFKA_SSL_KEYSTORE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $kafka.tls.clientSecret }}
                  key: {{ $kafka.tls.clientPasswordKey }}
            {{- end }}
            {{- with .Values.kek }}
            {{- range .keys }}
            - name: GATEWAY_CRYPTO_KEYS_{{ .id | upper | replace "-" "_" }}
              valueFrom:
                secretKeyRef:
                  name: {{ .secretName }}
                  key: {{ .key }}
            {{- end }}
            {{- end }}
            {{- range .Values.secretEnv }}
            - name: {{ .name }}
              valueFrom:
                secretKeyRef:
                  name: {{ .secretName }}
                  key: {{ .key }}
                  {{- if .optional }}
                  optional: true
                  {{- end }}
            {{- end }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # Quarkus SmallRye Health on the management interface (never the API port): started = past start-up
          # (Flyway done), ready = Kafka, database and channels up, live = the process can make progress.
          startupProbe:
            httpGet:
              path: /q/health/started
              port: management
            periodSeconds: {{ .Values.probes.startup.periodSeconds }}
            failureThreshold: {{ .Values.probes.startup.failureThreshold }}
            timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: management
            periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
            failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
            timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: management
            periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
            failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
            timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            # The root filesystem is read-only; Quarkus, Vert.x and the JVM write only to /tmp.
            - name: tmp
              mountPath: /tmp
            {{- if or .Values.global.jwt.publicKey .Values.global.jwt.publicKeySecret.name }}
            - name: jwt-public-key
              mountPath: /etc/jwt
              readOnly: true
            {{- end }}
            {{- if and (include "nks.kafkaTls" .) $kafka.tls.caSecret }}
            - name: kafka-ca
              mountPath: /etc/kafka/ca
              readOnly: true
            {{- end }}
            {{- if and (include "nks.kafkaTls" .) $kafka.tls.clientSecret }}
            - name: kafka-client
              mountPath: /etc/kafka/client
              readOnly: true
            {{- end }}
            {{- with .Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSizeLimit }}
        {{- if .Values.global.jwt.publicKey }}
        - name: jwt-public-key
          configMap:
            name: {{ include "nks.fullname" . }}-jwt
        {{- else if .Values.global.jwt.publicKeySecret.name }}
        - name: jwt-public-key
          secret:
            secretName: {{ .Values.global.jwt.publicKeySecret.name }}
            items:
              - key: {{ .Values.global.jwt.publicKeySecret.key }}
                path: {{ .Values.global.jwt.publicKeySecret.key }}
        {{- end }}
        {{- if and (include "nks.kafkaTls" .) $kafka.tls.caSecret }}
        - name: kafka-ca
          secret:
            secretName: {{ $kafka.tls.caSecret }}
            items:
              - key: {{ $kafka.tls.caKey }}
                path: {{ $kafka.tls.caKey }}
        {{- end }}
        {{- if and (include "nks.kafkaTls" .) $kafka.tls.clientSecret }}
        - name: kafka-client
          secret:
            secretName: {{ $kafka.tls.clientSecret }}
            items:
              - key: {{ $kafka.tls.clientKeystoreKey }}
                path: {{ $kafka.tls.clientKeystoreKey }}
        {{- end }}
        {{- with .Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if .Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: {{ .Values.topologySpread.topologyKey }}
          whenUnsatisfiable: {{ .Values.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "nks.selectorLabels" . | nindent 14 }}
      {{- end }}
{{- end -}}
