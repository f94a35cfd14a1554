{{/* What tool-registry adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "tool-registry.settings" -}}
portKey: toolRegistry
portEnv: TOOLS_PORT
module: services.tool_registry
home: /tmp/ai-stack
env:
  # Drop-in plugins (Python entry points or YAML tool manifests) live on the plugins volume.
  TOOLS_PLUGINS_DIR: {{ .Values.persistence.plugins.mountPath }}
secretEnv: []
ingressFrom:
  - orchestrator
egressTo: []
fromIngressController: false
{{- end -}}
