{{/* What mcp adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "mcp.settings" -}}
portKey: mcp
portEnv: MCP_PORT
module: services.mcp
# The mcp_data volume is the service's state directory (domain corpora, indexes).
home: {{ .Values.persistence.data.mountPath }}
env:
  MCP_DATA_DIR: {{ .Values.persistence.data.mountPath }}
secretEnv: []
ingressFrom:
  - orchestrator
egressTo: []
fromIngressController: false
{{- end -}}
