{{/*
The operator's model table (issue #17): the ConfigMap <release>-models, key models.yaml (the
format of services/kit/models.py), which the operator writes from the Ready Model resources.
With global.operator.enabled the gateway and the orchestrator mount it and point
AISTACK_MODELS_FILE at it; `optional: true` lets them start before the operator first writes it
(until then the kit serves global.models on the configured runner), and they re-read it live.
*/}}
{{- define "ai-stack-lib.modelsConfigMap" -}}
{{- printf "%s-models" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ai-stack-lib.modelTableDir" -}}/etc/ai-stack/models{{- end -}}

{{/* env entries (YAML map lines) for a component's settings `env:` */}}
{{- define "ai-stack-lib.modelTableEnv" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if $g.operator.enabled -}}
AISTACK_MODELS_FILE: {{ printf "%s/models.yaml" (include "ai-stack-lib.modelTableDir" .) }}
{{- end -}}
{{- end -}}

{{/* volume list items for a component's settings `extraVolumes:` */}}
{{- define "ai-stack-lib.modelTableVolumes" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if $g.operator.enabled -}}
- name: model-table
  configMap:
    name: {{ include "ai-stack-lib.modelsConfigMap" . }}
    optional: true
{{- end -}}
{{- end -}}

{{/* volumeMount list items for a component's settings `extraVolumeMounts:` */}}
{{- define "ai-stack-lib.modelTableMounts" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- if $g.operator.enabled -}}
- name: model-table
  mountPath: {{ include "ai-stack-lib.modelTableDir" . }}
  readOnly: true
{{- end -}}
{{- end -}}
