{{/* What mcp adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "mcp.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $name := include "ai-stack-lib.fullname" . -}}
{{- $hosts := list $name (printf "%s.%s" $name .Release.Namespace) (printf "%s.%s.svc" $name .Release.Namespace) (printf "%s.%s.svc.cluster.local" $name .Release.Namespace) -}}
{{- $origins := list -}}
{{- if or $g.ingress.enabled $g.ingress.httpRoute.enabled -}}
{{- $hosts = append $hosts $g.ingress.host -}}
{{- $origins = append $origins (printf "https://%s" $g.ingress.host) -}}
{{- end -}}
{{- $hosts = concat $hosts (.Values.mcpEndpoints.allowedHosts | default list) -}}
portKey: mcp
portEnv: MCP_PORT
module: services.mcp
# AISTACK_HOME is the data volume (seed volume mcp_data), where your own corpora can live too.
home: {{ .Values.persistence.data.mountPath }}
env:
  MCP_DOMAINS_FILE: {{ printf "%s/domains.yaml" (include "mcp.domainsPath" .) }}
  # Changes when the domains file does, so that the pods restart with it.
  MCP_DOMAINS_REVISION: {{ include "mcp.domainsFile" . | sha256sum | trunc 16 | quote }}
  MCP_INGEST_ON_START: {{ .Values.ingestOnStart | quote }}
  RAG_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "rag-api" "port" $g.ports.ragApi) }}
  # The SDK's DNS-rebinding guard: the Service names and the public host (the ingress passes
  # the Host header through), so that it answers there and refuses any other Host (421).
  MCP_ALLOWED_HOSTS: {{ join "," $hosts | quote }}
  {{- with $origins }}
  MCP_ALLOWED_ORIGINS: {{ join "," . | quote }}
  {{- end }}
  {{- if .Values.apiKeys.fileSecret }}
  GATEWAY_API_KEYS_FILE: /etc/ai-stack/keys/keys.yaml
  {{- end }}
secretEnv:
  - name: GATEWAY_API_KEYS
    valueFrom:
      secretKeyRef:
        name: {{ include "mcp.apiKeysSecretName" . }}
        key: {{ .Values.apiKeys.existingSecretKey }}
ingressFrom:
  - orchestrator
egressTo:
  - rag-api
fromIngressController: {{ and (or $g.ingress.enabled $g.ingress.httpRoute.enabled) .Values.mcpEndpoints.ingress }}
# The gateway's keys, read at start: a change to a Secret you manage (existingSecret, the keys
# file) rolls the pods; keys listed in gateway.apiKeys.keys roll the gateway only (see there).
checksums:
  api-keys: {{ include "ai-stack-lib.apiKeysChecksum" (dict "ctx" . "secrets" (list .Values.apiKeys.existingSecret .Values.apiKeys.fileSecret)) }}
extraVolumes:
  - name: domains
    configMap:
      name: {{ include "mcp.domainsName" . }}
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    secret:
      secretName: {{ .Values.apiKeys.fileSecret }}
      items:
        - key: keys.yaml
          path: keys.yaml
  {{- end }}
extraVolumeMounts:
  - name: domains
    mountPath: {{ include "mcp.domainsPath" . }}
    readOnly: true
  {{- if .Values.apiKeys.fileSecret }}
  - name: api-keys-file
    mountPath: /etc/ai-stack/keys
    readOnly: true
  {{- end }}
{{- end -}}

{{- define "mcp.domainsPath" -}}/etc/ai-stack/mcp{{- end -}}

{{- define "mcp.domainsName" -}}
{{- printf "%s-domains" (include "ai-stack-lib.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The domains file's text: the values' domains under a top-level `domains:` key. */}}
{{- define "mcp.domainsFile" -}}
{{- toYaml (dict "domains" .Values.domains) -}}
{{- end -}}

{{/* The gateway's key Secret: the stack has one key store. */}}
{{- define "mcp.apiKeysSecretName" -}}
{{- .Values.apiKeys.existingSecret | default (include "ai-stack-lib.peerName" (dict "ctx" . "name" "gateway-api-keys")) -}}
{{- end -}}
