{{/*
The Python services (gateway, orchestrator, rag-api, asr-api, mcp, tool-registry) share one
shape. Each subchart states what differs in a `<chart>.settings` template (YAML):

  portKey: gateway            # key in global.ports
  portEnv: GATEWAY_PORT       # the variable the service reads its port from
  module: services.gateway    # `python -m <module>`; <module>.main:create_app is the app factory
  home: /state                # AISTACK_HOME (a volume: the root filesystem is read-only)
  env: {}                     # component variables for the ConfigMap
  secretEnv: []               # env entries with secretKeyRef
  ingressFrom: []             # callers (chart names) along the call graph
  egressTo: []                # components it calls
  fromIngressController: false
  extraVolumes: []            # extra pod volumes (Secret files, shared claims)
  extraVolumeMounts: []
  checksums: {}               # name -> hash of what the pod reads only at start (Secrets):
                              # rendered as checksum/<name>, so a change rolls the pods

Configuration flows values -> ConfigMap (plain) / Secret (keys) -> env. `.Values.env` adds or
overrides plain variables.
*/}}
{{- define "ai-stack-lib.settings" -}}
{{- include (printf "%s.settings" .Chart.Name) . -}}
{{- end -}}

{{- define "ai-stack-lib.pythonEnv" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $s := include "ai-stack-lib.settings" . | fromYaml -}}
{{- $env := dict
  "BIND_HOST" "0.0.0.0"
  $s.portEnv (include "ai-stack-lib.port" (dict "ctx" . "key" $s.portKey))
  "LOG_LEVEL" $g.logLevel
  "LOG_FORMAT" $g.logFormat
  "HTTP_CONNECT_TIMEOUT_S" (toString $g.http.connectTimeoutSeconds)
  "HTTP_READ_TIMEOUT_S" (toString $g.http.readTimeoutSeconds)
  "AISTACK_MODELS" (join "," $g.models)
  "AISTACK_HOME" $s.home
  "HF_HUB_OFFLINE" "1"
-}}
{{- with $g.otel.endpoint }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . -}}
{{- end }}
{{- if .Values.devReload }}
{{- /* Dev only: the image's own `python -m services.<name>` restarts itself when skaffold
syncs a changed .py file into /app/services (services/kit/serve.py), so the pod keeps the
production entry point, settings and logging (LOG_LEVEL / LOG_FORMAT). */}}
{{- $_ := set $env "DEV_RELOAD" "true" -}}
{{- end }}
{{- $env = mergeOverwrite $env ($s.env | default dict) (.Values.env | default dict) -}}
{{- toYaml $env -}}
{{- end -}}

{{- define "ai-stack-lib.pythonConfigMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "ai-stack-lib.fullname" . }}
  labels:
    {{- include "ai-stack-lib.labels" . | nindent 4 }}
data:
  {{- range $name, $value := (include "ai-stack-lib.pythonEnv" . | fromYaml) }}
  {{ $name }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}

{{/* Resources from values, plus nvidia.com/gpu (limit = request) when gpu.enabled. */}}
{{- define "ai-stack-lib.resources" -}}
{{- include "ai-stack-lib.resourcesWith" (dict "resources" .Values.resources "gpu" .Values.gpu) -}}
{{- end -}}

{{/* (dict "resources" {...} "gpu" {enabled, count}) */}}
{{- define "ai-stack-lib.resourcesWith" -}}
{{- $res := deepCopy (.resources | default dict) -}}
{{- $gpu := .gpu | default dict -}}
{{- if $gpu.enabled -}}
{{- $_ := set $res "limits" (merge (dict "nvidia.com/gpu" (int $gpu.count)) ($res.limits | default dict)) -}}
{{- $_ := set $res "requests" (merge (dict "nvidia.com/gpu" (int $gpu.count)) ($res.requests | default dict)) -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{- define "ai-stack-lib.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- with .probe.initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
{{- end -}}

{{- define "ai-stack-lib.pythonDeployment" -}}
{{- $s := include "ai-stack-lib.settings" . | fromYaml -}}
{{- $port := include "ai-stack-lib.port" (dict "ctx" . "key" $s.portKey) | int -}}
{{- $gpu := .Values.gpu | default dict -}}
{{- $probes := .Values.probes -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ai-stack-lib.fullname" . }}
  labels:
    {{- include "ai-stack-lib.labels" . | nindent 4 }}
spec:
  {{- if not (.Values.autoscaling | default dict).enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 3
  {{- if $gpu.enabled }}
  # One GPU: a rolling update would wait forever for a second one.
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "ai-stack-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ai-stack-lib.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "ai-stack-lib.pythonEnv" . | sha256sum }}
        {{- range $name, $sum := ($s.checksums | default dict) }}
        checksum/{{ $name }}: {{ $sum | quote }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "ai-stack-lib.podCommon" . | nindent 6 }}
      {{- if $gpu.enabled }}
      runtimeClassName: {{ $gpu.runtimeClassName }}
      {{- end }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "ai-stack-lib.image" (dict "ctx" . "image" .Values.image "own" true) }}
          imagePullPolicy: {{ include "ai-stack-lib.pullPolicy" (dict "ctx" . "image" .Values.image) }}
          ports:
            - name: http
              containerPort: {{ $port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "ai-stack-lib.fullname" . }}
          env:
            # The services' credential to each other (never logged, never sent to a runner).
            - name: AISTACK_SERVICE_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ include "ai-stack-lib.serviceTokenSecret" . }}
                  key: {{ (include "ai-stack-lib.globals" . | fromYaml).serviceToken.existingSecretKey }}
            {{- with $s.secretEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if $probes.startup.enabled }}
          startupProbe:
            {{- include "ai-stack-lib.httpProbe" (dict "path" "/health" "probe" $probes.startup) | nindent 12 }}
          {{- end }}
          livenessProbe:
            {{- include "ai-stack-lib.httpProbe" (dict "path" "/health" "probe" $probes.liveness) | nindent 12 }}
          readinessProbe:
            {{- include "ai-stack-lib.httpProbe" (dict "path" "/ready" "probe" $probes.readiness) | nindent 12 }}
          resources:
            {{- include "ai-stack-lib.resources" . | nindent 12 }}
          securityContext:
            {{- include "ai-stack-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "ai-stack-lib.volumeMounts" . | nindent 12 }}
            {{- with $s.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "ai-stack-lib.volumes" . | nindent 8 }}
        {{- with $s.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* The Service of a Python component, on its port from global.ports. */}}
{{- define "ai-stack-lib.pythonService" -}}
{{- $s := include "ai-stack-lib.settings" . | fromYaml -}}
{{- include "ai-stack-lib.service" (dict "ctx" . "port" (include "ai-stack-lib.port" (dict "ctx" . "key" $s.portKey) | int)) -}}
{{- end -}}

{{- define "ai-stack-lib.pythonNetworkPolicy" -}}
{{- $s := include "ai-stack-lib.settings" . | fromYaml -}}
{{- include "ai-stack-lib.networkPolicy" (dict
  "ctx" .
  "ports" (list (include "ai-stack-lib.port" (dict "ctx" . "key" $s.portKey) | int))
  "ingressFrom" $s.ingressFrom
  "egressTo" $s.egressTo
  "egressRules" $s.egressRules
  "fromIngressController" $s.fromIngressController) -}}
{{- end -}}

{{- define "ai-stack-lib.pythonTest" -}}
{{- $s := include "ai-stack-lib.settings" . | fromYaml -}}
{{- include "ai-stack-lib.testPod" (dict "ctx" . "port" (include "ai-stack-lib.port" (dict "ctx" . "key" $s.portKey) | int) "path" "/health" "suffix" "health") -}}
{{- end -}}

{{/*
Every object of a Python component, in one include: ServiceAccount, ConfigMap, Deployment,
Service, NetworkPolicy, PVCs, and the PodDisruptionBudget / HPA / ServiceMonitor when enabled.
*/}}
{{- define "ai-stack-lib.pythonComponent" -}}
{{- $docs := list
  (include "ai-stack-lib.serviceAccount" .)
  (include "ai-stack-lib.pythonConfigMap" .)
  (include "ai-stack-lib.pythonDeployment" .)
  (include "ai-stack-lib.pythonService" .)
  (include "ai-stack-lib.pythonNetworkPolicy" .)
  (include "ai-stack-lib.pvcs" .)
  (include "ai-stack-lib.pdb" .)
  (include "ai-stack-lib.hpa" .)
  (include "ai-stack-lib.serviceMonitor" (dict "ctx" . "path" "/metrics"))
-}}
{{- range $docs }}
{{- with trimPrefix "---" (trim .) | trim }}
---
{{ . }}
{{- end }}
{{- end }}
{{- end -}}


{{/* The Secret that holds AISTACK_SERVICE_TOKEN (the umbrella creates it). */}}
{{- define "ai-stack-lib.serviceTokenSecret" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $g.serviceToken.existingSecret | default (printf "%s-service-token" .Release.Name) -}}
{{- end -}}
