{{/* What asr-api adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "asr-api.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
portKey: asrApi
portEnv: ASR_PORT
module: services.asr
home: /tmp/ai-stack
env:
  ASR_MODEL: {{ .Values.model | quote }}
  # cuda exactly when this pod gets a GPU (gpu.enabled), so the two cannot disagree.
  ASR_DEVICE: {{ ternary "cuda" "cpu" .Values.gpu.enabled }}
  ASR_COMPUTE_TYPE: {{ ternary .Values.gpu.computeType "int8" .Values.gpu.enabled }}
  ASR_TMP_DIR: /tmp
  # POST /ingest (`aistack transcribe --ingest`) writes the transcript's passages to rag-api.
  RAG_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "rag-api" "port" $g.ports.ragApi) }}
  HF_HOME: {{ printf "%s/huggingface" .Values.persistence.cache.mountPath }}
  XDG_CACHE_HOME: {{ .Values.persistence.cache.mountPath }}
secretEnv: []
ingressFrom:
  - gateway
egressTo:
  - rag-api
fromIngressController: false
{{- with .Values.modelsClaim }}
# Larger Whisper models (ASR_MODEL=/models/...) come read-only from the llm-runner's models claim.
extraVolumes:
  - name: models
    persistentVolumeClaim:
      claimName: {{ tpl . $ }}
      readOnly: true
extraVolumeMounts:
  - name: models
    mountPath: /models
    readOnly: true
{{- end }}
{{- end -}}
