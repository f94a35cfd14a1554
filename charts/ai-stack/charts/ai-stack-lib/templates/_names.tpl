{{/*
Names and labels. Every component's Service is `<release>-<chart name>`, so peers find each
other without lookups (ORCHESTRATOR_URL=http://<release>-orchestrator:8081 ...).
*/}}
{{- define "ai-stack-lib.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Service name of another component: (dict "ctx" $ "name" "orchestrator") */}}
{{- define "ai-stack-lib.peerName" -}}
{{- printf "%s-%s" .ctx.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* http://<release>-<name>:<port>: (dict "ctx" $ "name" "qdrant" "port" 6333) */}}
{{- define "ai-stack-lib.peerUrl" -}}
{{- printf "http://%s:%d" (include "ai-stack-lib.peerName" .) (int .port) -}}
{{- end -}}

{{- define "ai-stack-lib.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The component label comes from the chart's `ai-stack/component` annotation. */}}
{{- define "ai-stack-lib.component" -}}
{{- index (.Chart.Annotations | default dict) "ai-stack/component" | default .Chart.Name -}}
{{- end -}}

{{/* Selectors use only name + instance: the other labels may change between releases. */}}
{{- define "ai-stack-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ai-stack-lib.labels" -}}
{{- include "ai-stack-lib.labelsWith" (dict "ctx" . "name" .Chart.Name "component" (include "ai-stack-lib.component" .)) -}}
{{- end -}}

{{/* Labels for a helper pod (helm test, model pull) that must not match the component's selector. */}}
{{- define "ai-stack-lib.labelsWith" -}}
helm.sh/chart: {{ include "ai-stack-lib.chart" .ctx }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: ai-stack
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end -}}

{{/*
Image reference: repository:tag, prefixed with global.imageRegistry for the stack's own images
(`"own" true`; third-party images such as qdrant, ollama, vllm keep their repository, which a
mirror can override). The tag defaults to the chart's appVersion; a trailing "@" (skaffold's
"{{.IMAGE_TAG}}@{{.IMAGE_DIGEST}}" for an image loaded into kind, which has no digest) is dropped.
Usage: (dict "ctx" $ "image" .Values.image "own" true)
*/}}
{{- define "ai-stack-lib.image" -}}
{{- $g := include "ai-stack-lib.globals" .ctx | fromYaml -}}
{{- $tag := .image.tag | default .ctx.Chart.AppVersion | toString | trimSuffix "@" -}}
{{- $ref := printf "%s:%s" .image.repository $tag -}}
{{- if and .own $g.imageRegistry -}}
{{- $ref = printf "%s/%s" (trimSuffix "/" $g.imageRegistry) $ref -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{- define "ai-stack-lib.pullPolicy" -}}
{{- $g := include "ai-stack-lib.globals" .ctx | fromYaml -}}
{{- .image.pullPolicy | default $g.imagePullPolicy -}}
{{- end -}}

{{/* The port a component listens on, from global.ports: (dict "ctx" $ "key" "gateway") */}}
{{- define "ai-stack-lib.port" -}}
{{- $g := include "ai-stack-lib.globals" .ctx | fromYaml -}}
{{- index $g.ports .key | int -}}
{{- end -}}
