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
    - port: http
      path: /q/metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
      scrapeTimeout: {{ .Values.global.serviceMonitor.scrapeTimeout }}
{{- end -}}
{{- end -}}
