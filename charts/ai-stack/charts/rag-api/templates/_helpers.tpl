{{/* What rag-api adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "rag-api.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
portKey: ragApi
portEnv: RAG_PORT
module: services.rag
home: /tmp/ai-stack
env:
  QDRANT_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "qdrant" "port" $g.ports.qdrant) }}
  EMBEDDING_MODEL: {{ .Values.embeddingModel | quote }}
  # Caches live on the rag_cache volume; the embedding model itself ships in the image.
  HF_HOME: {{ printf "%s/huggingface" .Values.persistence.cache.mountPath }}
  XDG_CACHE_HOME: {{ .Values.persistence.cache.mountPath }}
secretEnv: []
ingressFrom:
  - orchestrator
  # The MCP servers search the knowledge base and load their baseline corpora into it.
  - mcp
  # /v1/embeddings through the gateway; transcripts ingested by asr-api.
  - gateway
  - asr-api
egressTo:
  - qdrant
fromIngressController: false
{{- end -}}
