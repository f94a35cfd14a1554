{{/* The operator's settings (operators/settings.py reads them; see values.yaml). */}}
{{- define "operator.env" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $e := .Values.engines -}}
{{- $env := dict
  "OPERATOR_RELEASE" .Release.Name
  "OPERATOR_IMAGE" (include "ai-stack-lib.image" (dict "ctx" . "image" .Values.image "own" true))
  "OPERATOR_VLLM_IMAGE" (printf "%s:%s" $e.vllm.repository $e.vllm.tag)
  "OPERATOR_LLAMACPP_IMAGE" (printf "%s:%s" $e.llamacpp.repository $e.llamacpp.tag)
  "OPERATOR_LLAMACPP_GPU_IMAGE" (printf "%s:%s" $e.llamacppGpu.repository $e.llamacppGpu.tag)
  "OPERATOR_RAY_IMAGE" (printf "%s:%s" $e.ray.repository $e.ray.tag)
  "OPERATOR_RAY_VERSION" (toString $e.rayVersion)
  "OPERATOR_HEALTH_PORT" (toString .Values.healthPort)
  "OPERATOR_CHECK_INTERVAL_S" (toString .Values.checkIntervalSeconds)
  "OPERATOR_MODELS_CONFIGMAP" (include "ai-stack-lib.modelsConfigMap" .)
  "OPERATOR_TOOLS_CONFIGMAP" (include "ai-stack-lib.peerName" (dict "ctx" . "name" "tool-registry-manifests"))
  "OPERATOR_SERVICE_TOKEN_SECRET" (include "ai-stack-lib.serviceTokenSecret" .)
  "RAG_URL" (include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "rag-api" "port" $g.ports.ragApi))
  "TOOLS_URL" (include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "tool-registry" "port" $g.ports.toolRegistry))
  "AISTACK_MODELS" (join "," $g.models)
  "LLM_BACKEND" $g.llm.backend
  "LLM_BASE_URL" (include "operator.llmBaseUrl" .)
  "LOG_LEVEL" $g.logLevel
  "LOG_FORMAT" $g.logFormat
  "HTTP_CONNECT_TIMEOUT_S" (toString $g.http.connectTimeoutSeconds)
  "HTTP_READ_TIMEOUT_S" (toString $g.http.readTimeoutSeconds)
-}}
{{- with include "ai-stack-lib.llmModel" . }}{{ $_ := set $env "LLM_MODEL" . }}{{ end -}}
{{- with .Values.gpuRuntimeClassName }}{{ $_ := set $env "OPERATOR_GPU_RUNTIME_CLASS" . }}{{ end -}}
{{- with .Values.ollamaUrl }}{{ $_ := set $env "OPERATOR_OLLAMA_URL" . }}{{ end -}}
{{- with .Values.modelsClaim }}{{ $_ := set $env "OPERATOR_MODELS_CLAIM" . }}{{ end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
The stack's configured runner, as the orchestrator computes its LLM_BASE_URL
(orchestrator.llmBaseUrl): the model table keeps global.models on it, beside the Models.
*/}}
{{- define "operator.llmBaseUrl" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if $g.llm.baseUrl -}}
{{- $g.llm.baseUrl -}}
{{- else if eq $g.llm.backend "ollama" -}}
{{- printf "%s/v1" (include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "llm-runner" "port" 11434)) -}}
{{- else if eq $g.llm.backend "vllm" -}}
{{- printf "%s/v1" (include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "llm-runner" "port" 8000)) -}}
{{- else -}}
https://api.openai.com/v1
{{- end -}}
{{- end -}}

{{/* A podSelector for the release's pods named one of .names: (dict "ctx" $ "names" (list ...)) */}}
{{- define "operator.podsNamed" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/instance: {{ .ctx.Release.Name }}
  matchExpressions:
    - key: app.kubernetes.io/name
      operator: In
      values:
        {{- range .names }}
        - {{ . }}
        {{- end }}
{{- end -}}

{{/* The pods that serve Models (the operator labels them aistack.dev/model). */}}
{{- define "operator.modelPods" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/instance: {{ .Release.Name }}
  matchExpressions:
    - key: aistack.dev/model
      operator: Exists
{{- end -}}

{{/* The ports Models listen on: vLLM and Ray Serve 8000, llama.cpp and KServe 8080. */}}
{{- define "operator.modelPorts" -}}
- port: 8000
  protocol: TCP
- port: 8080
  protocol: TCP
{{- end -}}
