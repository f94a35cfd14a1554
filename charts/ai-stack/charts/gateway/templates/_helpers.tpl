{{/* What the gateway adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "gateway.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
portKey: gateway
portEnv: GATEWAY_PORT
module: services.gateway
home: {{ .Values.persistence.state.mountPath }}
env:
  ORCHESTRATOR_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "orchestrator" "port" $g.ports.orchestrator) }}
  # /v1/embeddings is rag-api's, /v1/audio/transcriptions asr-api's; a peer switched off
  # takes its routes off the gateway (and /v1/models) instead of answering 503.
  {{- if .Values.peers.ragApi }}
  RAG_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "rag-api" "port" $g.ports.ragApi) }}
  {{- else }}
  GATEWAY_EMBEDDINGS: "false"
  {{- end }}
  {{- if .Values.peers.asrApi }}
  ASR_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "asr-api" "port" $g.ports.asrApi) }}
  {{- else }}
  GATEWAY_AUDIO: "false"
  {{- end }}
  {{- if .Values.apiKeys.fileSecret }}
  GATEWAY_API_KEYS_FILE: /etc/ai-stack/keys/keys.yaml
  {{- end }}
  {{- include "ai-stack-lib.modelTableEnv" . | nindent 2 }}
  {{- with .Values.redis.url }}
  REDIS_URL: {{ include "gateway.redisUrl" $ }}
  {{- end }}
secretEnv:
  - name: GATEWAY_API_KEYS
    valueFrom:
      secretKeyRef:
        name: {{ include "gateway.apiKeysSecretName" . }}
        key: {{ .Values.apiKeys.existingSecretKey }}
  {{- if .Values.redis.existingSecret }}
  - name: REDIS_URL
    valueFrom:
      secretKeyRef:
        name: {{ .Values.redis.existingSecret }}
        key: {{ .Values.redis.existingSecretKey }}
  {{- end }}
ingressFrom: []
egressTo:
  - orchestrator
  {{- if .Values.peers.ragApi }}
  - rag-api
  {{- end }}
  {{- if .Values.peers.asrApi }}
  - asr-api
  {{- end }}
{{- if include "gateway.redisConfigured" . }}
egressRules:
  - {{- with .Values.redis.networkPolicyTo }}
    to:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    ports:
      - port: {{ .Values.redis.port }}
        protocol: TCP
{{- end }}
fromIngressController: {{ or $g.ingress.enabled $g.ingress.httpRoute.enabled }}
# GATEWAY_API_KEYS is read at start: a key change must roll the pods.
checksums:
  api-keys: {{ include "ai-stack-lib.apiKeysChecksum" (dict "ctx" . "keys" .Values.apiKeys.keys "secrets" (list .Values.apiKeys.existingSecret .Values.apiKeys.fileSecret)) }}
extraVolumes:
  {{- include "ai-stack-lib.modelTableVolumes" . | nindent 2 }}
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    secret:
      secretName: {{ .Values.apiKeys.fileSecret }}
      items:
        - key: keys.yaml
          path: keys.yaml
  {{- end }}
extraVolumeMounts:
  {{- include "ai-stack-lib.modelTableMounts" . | nindent 2 }}
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    mountPath: /etc/ai-stack/keys
    readOnly: true
  {{- end }}
{{- end -}}

{{- define "gateway.apiKeysSecretName" -}}
{{- .Values.apiKeys.existingSecret | default (printf "%s-api-keys" (include "ai-stack-lib.fullname" .)) -}}
{{- end -}}

{{- define "gateway.redisConfigured" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret }}true{{ end -}}
{{- end -}}

{{/* redis.url, refused when it carries credentials (they would sit in a ConfigMap) or when
both forms are set; and several replicas refused without it (budgets counted per replica). */}}
{{- define "gateway.redisUrl" -}}
{{- $url := .Values.redis.url -}}
{{- if .Values.redis.existingSecret -}}
{{- fail "gateway.redis: set url or existingSecret, not both" -}}
{{- end -}}
{{- if not (regexMatch "^rediss?://" $url) -}}
{{- fail (printf "gateway.redis.url must start with redis:// or rediss:// (got %q)" $url) -}}
{{- end -}}
{{- if contains "@" $url -}}
{{- fail "gateway.redis.url carries credentials, which would be stored in a ConfigMap: put the whole URL in a Secret and name it in gateway.redis.existingSecret" -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{- define "gateway.checkReplicas" -}}
{{- $replicas := int .Values.replicaCount -}}
{{- if .Values.autoscaling.enabled }}{{ $replicas = int .Values.autoscaling.maxReplicas }}{{ end -}}
{{- if and (gt $replicas 1) (not (include "gateway.redisConfigured" .)) -}}
{{- fail (printf "gateway: %d replicas would each count rate limits alone (every key's budget %d times over); set gateway.redis.url or gateway.redis.existingSecret so they share one Redis" $replicas $replicas) -}}
{{- end -}}
{{- end -}}
