{{/*
The chat model's one name, for everyone who says it: the orchestrator sends it (LLM_MODEL),
vLLM serves its weights under it (--served-model-name) and the Ollama Job pulls it. It is
global.llm.model when set; else the backend's own: ollamaModel (a name Ollama pulls) or
vllmModel (the weights' folder on the models volume, then also the name vLLM serves). For an
external `openai` backend only global.llm.model applies ("" = the runner's first model).
*/}}
{{- define "ai-stack-lib.llmModel" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if $g.llm.model -}}
{{- $g.llm.model -}}
{{- else if eq $g.llm.backend "ollama" -}}
{{- $g.llm.ollamaModel -}}
{{- else if eq $g.llm.backend "vllm" -}}
{{- $g.llm.vllmModel -}}
{{- end -}}
{{- end -}}
