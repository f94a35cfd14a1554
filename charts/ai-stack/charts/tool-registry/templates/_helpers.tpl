{{/* What tool-registry adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "tool-registry.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $name := include "ai-stack-lib.fullname" . -}}
{{- $hosts := list $name (printf "%s.%s" $name .Release.Namespace) (printf "%s.%s.svc" $name .Release.Namespace) (printf "%s.%s.svc.cluster.local" $name .Release.Namespace) -}}
{{- $origins := list -}}
{{- if $g.ingress.enabled -}}
{{- $hosts = append $hosts $g.ingress.host -}}
{{- $origins = append $origins (printf "https://%s" $g.ingress.host) -}}
{{- end -}}
{{- $hosts = concat $hosts (.Values.mcpEndpoint.allowedHosts | default list) -}}
portKey: toolRegistry
portEnv: TOOLS_PORT
module: services.tool_registry
home: /tmp/ai-stack
env:
  # Drop-in plugins: the plugins volume, then the ConfigMap's files (PATH-like list).
  PLUGINS_DIR: {{ printf "%s:%s" .Values.persistence.plugins.mountPath (include "tool-registry.manifestsPath" .) | quote }}
  TOOLS_DEFAULT_TIMEOUT_S: {{ .Values.tools.defaultTimeoutSeconds | quote }}
  TOOLS_PYTHON_WORKERS: {{ .Values.tools.pythonWorkers | quote }}
  TOOLS_PYTHON_WORKERS_MAX: {{ .Values.tools.pythonWorkersMax | quote }}
  TOOLS_MEMORY_MB: {{ .Values.tools.memoryMb | quote }}
  # The MCP endpoint's DNS-rebinding guard: the Service names and the public host.
  TOOLS_MCP_ALLOWED_HOSTS: {{ join "," $hosts | quote }}
  {{- with $origins }}
  TOOLS_MCP_ALLOWED_ORIGINS: {{ join "," . | quote }}
  {{- end }}
  {{- if .Values.apiKeys.fileSecret }}
  GATEWAY_API_KEYS_FILE: /etc/ai-stack/keys/keys.yaml
  {{- end }}
secretEnv:
  - name: GATEWAY_API_KEYS
    valueFrom:
      secretKeyRef:
        name: {{ include "tool-registry.apiKeysSecretName" . }}
        key: {{ .Values.apiKeys.existingSecretKey }}
ingressFrom:
  - orchestrator
egressTo: []
fromIngressController: {{ and $g.ingress.enabled .Values.mcpEndpoint.ingress }}
# The gateway's keys, read at start: a change to a Secret you manage (existingSecret, the keys
# file) rolls the pods; keys listed in gateway.apiKeys.keys roll the gateway only (see there).
checksums:
  api-keys: {{ include "ai-stack-lib.apiKeysChecksum" (dict "ctx" . "secrets" (list .Values.apiKeys.existingSecret .Values.apiKeys.fileSecret)) }}
extraVolumes:
  - name: manifests
    configMap:
      name: {{ include "tool-registry.manifestsName" . }}
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    secret:
      secretName: {{ .Values.apiKeys.fileSecret }}
      items:
        - key: keys.yaml
          path: keys.yaml
  {{- end }}
extraVolumeMounts:
  - name: manifests
    mountPath: {{ include "tool-registry.manifestsPath" . }}
    readOnly: true
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    mountPath: /etc/ai-stack/keys
    readOnly: true
  {{- end }}
{{- end -}}

{{- define "tool-registry.manifestsPath" -}}/etc/ai-stack/tools{{- end -}}

{{- define "tool-registry.manifestsName" -}}
{{- printf "%s-manifests" (include "ai-stack-lib.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The gateway's key Secret: the stack has one key store. */}}
{{- define "tool-registry.apiKeysSecretName" -}}
{{- .Values.apiKeys.existingSecret | default (include "ai-stack-lib.peerName" (dict "ctx" . "name" "gateway-api-keys")) -}}
{{- end -}}
