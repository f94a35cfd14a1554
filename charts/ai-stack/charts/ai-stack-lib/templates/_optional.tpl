{{/*
Optional kinds. A ServiceMonitor renders only when global.monitoring.serviceMonitor.enabled
*and* the cluster serves monitoring.coreos.com/v1 (test with and without --api-versions).
Usage: (dict "ctx" $ "path" "/metrics")
*/}}
{{- define "ai-stack-lib.serviceMonitor" -}}
{{- $ctx := .ctx -}}
{{- $g := include "ai-stack-lib.globals" $ctx | fromYaml -}}
{{- if and $g.monitoring.serviceMonitor.enabled ($ctx.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "ai-stack-lib.fullname" $ctx }}
  labels:
    {{- include "ai-stack-lib.labels" $ctx | nindent 4 }}
    {{- with $g.monitoring.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "ai-stack-lib.selectorLabels" $ctx | nindent 6 }}
  endpoints:
    - port: http
      path: {{ .path | default "/metrics" }}
      interval: {{ $g.monitoring.serviceMonitor.interval }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget only where at least two replicas run. */}}
{{- define "ai-stack-lib.pdb" -}}
{{- $auto := .Values.autoscaling | default dict -}}
{{- $replicas := ternary ($auto.minReplicas | default 1) (.Values.replicaCount | default 1) ($auto.enabled | default false) | int -}}
{{- if ge $replicas 2 }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "ai-stack-lib.fullname" . }}
  labels:
    {{- include "ai-stack-lib.labels" . | nindent 4 }}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      {{- include "ai-stack-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* autoscaling/v2 on CPU; with it the Deployment leaves `replicas` to the HPA. Never on GPU pods. */}}
{{- define "ai-stack-lib.hpa" -}}
{{- $auto := .Values.autoscaling | default dict -}}
{{- if $auto.enabled }}
{{- if (.Values.gpu | default dict).enabled }}
{{- fail (printf "%s: autoscaling.enabled and gpu.enabled exclude each other (one GPU per pod, no HPA on GPU pods)" .Chart.Name) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "ai-stack-lib.fullname" . }}
  labels:
    {{- include "ai-stack-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "ai-stack-lib.fullname" . }}
  minReplicas: {{ $auto.minReplicas }}
  maxReplicas: {{ $auto.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $auto.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/*
A `helm test` pod that GETs one URL of the component through its Service.
Usage: (dict "ctx" $ "port" 8080 "path" "/health" "suffix" "health")
*/}}
{{- define "ai-stack-lib.testPod" -}}
{{- $ctx := .ctx -}}
{{- $g := include "ai-stack-lib.globals" $ctx | fromYaml -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ printf "%s-test-%s" (include "ai-stack-lib.fullname" $ctx) .suffix | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "ai-stack-lib.labelsWith" (dict "ctx" $ctx "name" (printf "%s-test" $ctx.Chart.Name) "component" "test") | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: wget
      image: {{ include "ai-stack-lib.image" (dict "ctx" $ctx "image" $g.testImage) }}
      imagePullPolicy: {{ $g.imagePullPolicy }}
      command:
        - wget
        - -q
        - -O
        - "-"
        - -T
        - "10"
        - {{ printf "http://%s:%d%s" (include "ai-stack-lib.fullname" $ctx) (int .port) .path | quote }}
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          memory: 32Mi
      securityContext:
        allowPrivilegeEscalation: false
        privileged: false
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        capabilities:
          drop:
            - ALL
        seccompProfile:
          type: RuntimeDefault
{{- end -}}
