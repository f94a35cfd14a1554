{{/* The backend this chart runs: global.llm.backend, which must be ollama or vllm. */}}
{{- define "llm-runner.backend" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if not (has $g.llm.backend (list "ollama" "vllm")) -}}
{{- fail (printf "llm-runner.enabled=true needs global.llm.backend ollama or vllm (got %q); for an external API set llm-runner.enabled=false" $g.llm.backend) -}}
{{- end -}}
{{- $g.llm.backend -}}
{{- end -}}

{{- define "llm-runner.port" -}}
{{- ternary 11434 8000 (eq (include "llm-runner.backend" .) "ollama") -}}
{{- end -}}

{{/* Health paths: Ollama answers "/" and /api/version; vLLM /health. */}}
{{- define "llm-runner.livePath" -}}
{{- ternary "/" "/health" (eq (include "llm-runner.backend" .) "ollama") -}}
{{- end -}}
{{- define "llm-runner.readyPath" -}}
{{- ternary "/api/version" "/health" (eq (include "llm-runner.backend" .) "ollama") -}}
{{- end -}}

{{- define "llm-runner.pullModels" -}}
{{- toYaml (concat (list (include "ai-stack-lib.llmModel" .)) .Values.ollama.pull.extraModels | uniq) -}}
{{- end -}}

{{- define "llm-runner.pulling" -}}
{{- if and (eq (include "llm-runner.backend" .) "ollama") .Values.ollama.pull.enabled -}}true{{- end -}}
{{- end -}}

{{- define "llm-runner.env" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $port := include "llm-runner.port" . -}}
{{- $cache := .Values.persistence.cache.mountPath -}}
{{- if eq (include "llm-runner.backend" .) "ollama" -}}
OLLAMA_HOST: {{ printf "0.0.0.0:%s" $port | quote }}
OLLAMA_MODELS: {{ printf "%s/ollama" .Values.persistence.models.mountPath | quote }}
OLLAMA_KEEP_ALIVE: {{ .Values.ollama.keepAlive | quote }}
OLLAMA_CONTEXT_LENGTH: {{ .Values.ollama.contextLength | int | toString | quote }}
# Ollama keeps its key pair under $HOME/.ollama: the /tmp emptyDir (read-only root filesystem).
HOME: /tmp
{{- else -}}
VLLM_MODEL: {{ $g.llm.vllmModel | quote }}
# Weights come from the models volume only: no hub downloads at run time.
HF_HUB_OFFLINE: "1"
HF_HOME: {{ printf "%s/huggingface" $cache | quote }}
VLLM_CACHE_ROOT: {{ printf "%s/vllm" $cache | quote }}
TRITON_CACHE_DIR: {{ printf "%s/triton" $cache | quote }}
TORCHINDUCTOR_CACHE_DIR: {{ printf "%s/torchinductor" $cache | quote }}
XDG_CACHE_HOME: {{ $cache | quote }}
VLLM_NO_USAGE_STATS: "1"
DO_NOT_TRACK: "1"
HOME: /tmp
# UID 10001 has no passwd entry in the vLLM image; torch asks getpass.getuser(), which reads these.
USER: vllm
LOGNAME: vllm
{{- end }}
{{- end -}}

{{- define "llm-runner.pullPodTemplate" -}}
{{- $models := include "llm-runner.pullModels" . | fromYamlArray -}}
metadata:
  labels:
    {{- include "ai-stack-lib.labelsWith" (dict "ctx" . "name" "llm-runner-pull" "component" "model-pull") | nindent 4 }}
spec:
  restartPolicy: OnFailure
  {{- include "ai-stack-lib.podCommon" . | nindent 2 }}
  containers:
    - name: pull
      image: {{ include "ai-stack-lib.image" (dict "ctx" . "image" .Values.ollama.image) }}
      imagePullPolicy: {{ include "ai-stack-lib.pullPolicy" (dict "ctx" . "image" .Values.ollama.image) }}
      command:
        - /bin/sh
        - -c
        - |
          set -eu
          until ollama list >/dev/null 2>&1; do echo "waiting for $OLLAMA_HOST"; sleep 5; done
          for model in "$@"; do ollama pull "$model"; done
        - pull
        {{- range $models }}
        - {{ . | quote }}
        {{- end }}
      env:
        - name: OLLAMA_HOST
          value: {{ printf "http://%s:11434" (include "ai-stack-lib.fullname" .) | quote }}
        - name: HOME
          value: /tmp
      resources:
        requests:
          cpu: 50m
          memory: 64Mi
        limits:
          memory: 256Mi
      securityContext:
        {{- include "ai-stack-lib.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
{{- end -}}
