{{/*
Volumes from `.Values.persistence`: each entry is one of the seed's volumes (qdrant_data,
rag_cache, models, plugins, mcp_data, logs, gateway_state), stated in values as
`type: pvc` (a PersistentVolumeClaim, kept on uninstall) or `type: emptyDir` (deliberately
scratch). Every pod also gets an emptyDir at /tmp, because the root filesystem is read-only.
*/}}
{{- define "ai-stack-lib.claimName" -}}
{{- if .volume.existingClaim -}}
{{- tpl .volume.existingClaim .ctx -}}
{{- else -}}
{{- printf "%s-%s" (include "ai-stack-lib.fullname" .ctx) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ai-stack-lib.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- range $name, $volume := .Values.persistence }}
- name: {{ $name }}
  {{- if eq $volume.type "pvc" }}
  persistentVolumeClaim:
    claimName: {{ include "ai-stack-lib.claimName" (dict "ctx" $ "name" $name "volume" $volume) }}
  {{- else }}
  emptyDir:
    {{- if $volume.medium }}
    medium: {{ $volume.medium }}
    {{- end }}
    sizeLimit: {{ $volume.size }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "ai-stack-lib.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- range $name, $volume := .Values.persistence }}
- name: {{ $name }}
  mountPath: {{ $volume.mountPath }}
  {{- if $volume.readOnly }}
  readOnly: true
  {{- end }}
{{- end }}
{{- end -}}

{{- define "ai-stack-lib.pvcs" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- range $name, $volume := .Values.persistence }}
{{- if and (eq $volume.type "pvc") (not $volume.existingClaim) }}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "ai-stack-lib.claimName" (dict "ctx" $ "name" $name "volume" $volume) }}
  labels:
    {{- include "ai-stack-lib.labels" $ | nindent 4 }}
  annotations:
    # Data outlives `helm uninstall`; delete the claim by hand to drop it.
    helm.sh/resource-policy: keep
spec:
  accessModes:
    - {{ $volume.accessMode | default "ReadWriteOnce" }}
  {{- with ($volume.storageClass | default $g.storageClass) }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ $volume.size }}
{{- end }}
{{- end }}
{{- end -}}
