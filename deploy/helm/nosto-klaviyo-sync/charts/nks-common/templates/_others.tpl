{{- define "nks.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "nks.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
    # For the ServiceMonitor; the NetworkPolicy lets only global.networkPolicy.managementFrom reach it.
    - name: management
      port: {{ .Values.managementPort }}
      targetPort: management
      protocol: TCP
{{- end -}}

{{- define "nks.serviceaccount" -}}
{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "nks.serviceAccountName" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
{{- end -}}

{{- define "nks.pdb" -}}
{{- if .Values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
spec:
  # A drained node evicts at most this many pods at once; the rest keep consuming.
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "nks.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}

{{- define "nks.hpa" -}}
{{- if .Values.autoscaling.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "nks.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  # Checked against the input topic's partitions by nks.validate.
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    # Every scale step rebalances the consumer group: scale down slowly to avoid flapping.
    scaleDown:
      stabilizationWindowSeconds: {{ .Values.autoscaling.scaleDownStabilizationSeconds }}
      policies:
        - type: Pods
          value: 1
          periodSeconds: 120
{{- end -}}
{{- end -}}

{{- define "nks.servicemonitor" -}}
{{- if .Values.global.serviceMonitor.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
    {{- with .Values.global.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "nks.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: management
      path: /q/metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
      scrapeTimeout: {{ .Values.global.serviceMonitor.scrapeTimeout }}
{{- end -}}
{{- end -}}

{{/* Who may reach the pods: the API port from global.networkPolicy.apiFrom, the management port from .managementFrom. */}}
{{- define "nks.networkpolicy" -}}
{{- if .Values.global.networkPolicy.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "nks.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: http
          protocol: TCP
      {{- with .Values.global.networkPolicy.apiFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    - ports:
        - port: management
          protocol: TCP
      {{- with .Values.global.networkPolicy.managementFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
{{- end -}}

{{/* The service's public host (global.ingress.hosts[.Values.ingress.host]): /api, and /admin for the gateway. */}}
{{- define "nks.ingress" -}}
{{- $ing := .Values.global.ingress -}}
{{- $host := index $ing.hosts .Values.ingress.host -}}
{{- if and $ing.enabled $host -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "nks.fullname" . }}
  labels:
    {{- include "nks.labels" . | nindent 4 }}
  {{- with $ing.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $ing.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with $ing.tlsSecret }}
  tls:
    - hosts: [{{ $host | quote }}]
      secretName: {{ . }}
  {{- end }}
  rules:
    - host: {{ $host | quote }}
      http:
        paths:
          {{- range .Values.ingress.paths }}
          - path: {{ . }}
            pathType: Prefix
            backend:
              service:
                name: {{ include "nks.fullname" $ }}
                port:
                  name: http
          {{- end }}
{{- end -}}
{{- end -}}

{{/* The verification key given inline (global.jwt.publicKey): a public key, so a ConfigMap. */}}
{{- define "nks.jwtconfigmap" -}}
{{- if .Values.global.jwt.publicKey -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "nks.fullname" . }}-jwt
  labels:
    {{- include "nks.labels" . | nindent 4 }}
data:
  publicKey: {{ .Values.global.jwt.publicKey | quote }}
{{- end -}}
{{- end -}}
