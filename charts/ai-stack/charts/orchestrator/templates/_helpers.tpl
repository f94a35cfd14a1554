{{/* What the orchestrator adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "orchestrator.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $peers := .Values.peers -}}
portKey: orchestrator
portEnv: ORCH_PORT
module: services.orchestrator
home: /tmp/ai-stack
env:
  LLM_BACKEND: {{ $g.llm.backend }}
  LLM_BASE_URL: {{ include "orchestrator.llmBaseUrl" . }}
  # The name the runner serves the model under, from the one place that decides it (so the
  # orchestrator, vLLM's --served-model-name and the Ollama pull never disagree).
  {{- with include "ai-stack-lib.llmModel" . }}
  LLM_MODEL: {{ . | quote }}
  {{- end }}
  ORCH_DEBUG: {{ .Values.debug | quote }}
  ORCH_MAX_STEPS: {{ .Values.maxSteps | quote }}
  {{- if $peers.ragApi }}
  RAG_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "rag-api" "port" $g.ports.ragApi) }}
  {{- end }}
  {{- if $peers.mcp }}
  MCP_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "mcp" "port" $g.ports.mcp) }}
  {{- end }}
  {{- if $peers.toolRegistry }}
  TOOLS_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "tool-registry" "port" $g.ports.toolRegistry) }}
  {{- end }}
  {{- include "ai-stack-lib.modelTableEnv" . | nindent 2 }}
{{- with include "ai-stack-lib.modelTableVolumes" . }}
extraVolumes:
  {{- . | nindent 2 }}
extraVolumeMounts:
  {{- include "ai-stack-lib.modelTableMounts" $ | nindent 2 }}
{{- end }}
{{- if or .Values.llmApiKey.value .Values.llmApiKey.existingSecret }}
secretEnv:
  - name: LLM_API_KEY
    valueFrom:
      secretKeyRef:
        name: {{ include "orchestrator.llmSecretName" . }}
        key: {{ .Values.llmApiKey.existingSecretKey }}
{{- else }}
secretEnv: []
{{- end }}
ingressFrom:
  - gateway
egressTo:
  {{- if has $g.llm.backend (list "ollama" "vllm") }}
  - llm-runner
  {{- end }}
  {{- if $peers.ragApi }}
  - rag-api
  {{- end }}
  {{- if $peers.mcp }}
  - mcp
  {{- end }}
  {{- if $peers.toolRegistry }}
  - tool-registry
  {{- end }}
fromIngressController: false
{{- end -}}

{{/*
LLM_BASE_URL: global.llm.baseUrl when set, else the in-cluster llm-runner (Ollama on 11434,
vLLM on 8000), else OpenAI's API for the `openai` backend.
*/}}
{{- define "orchestrator.llmBaseUrl" -}}
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

{{- define "orchestrator.llmSecretName" -}}
{{- .Values.llmApiKey.existingSecret | default (printf "%s-llm-api-key" (include "ai-stack-lib.fullname" .)) -}}
{{- end -}}
