{{/* What asr-api adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "asr-api.settings" -}}
portKey: asrApi
portEnv: ASR_PORT
module: services.asr
home: /tmp/ai-stack
env:
  ASR_MODEL: {{ .Values.model | quote }}
  # cuda exactly when this pod gets a GPU (gpu.enabled), so the two cannot disagree.
  ASR_DEVICE: {{ ternary "cuda" "cpu" .Values.gpu.enabled }}
  ASR_COMPUTE_TYPE: {{ ternary "float16" "int8" .Values.gpu.enabled }}
  ASR_TMP_DIR: /tmp
  HF_HOME: {{ printf "%s/huggingface" .Values.persistence.cache.mountPath }}
  XDG_CACHE_HOME: {{ .Values.persistence.cache.mountPath }}
secretEnv: []
ingressFrom:
  - orchestrator
egressTo: []
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
