{{- define "qdrant.env" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
{{- $env := dict
  "QDRANT__SERVICE__HTTP_PORT" (toString (int $g.ports.qdrant))
  "QDRANT__STORAGE__STORAGE_PATH" .Values.persistence.storage.mountPath
  "QDRANT__STORAGE__SNAPSHOTS_PATH" .Values.persistence.snapshots.mountPath
  "QDRANT_INIT_FILE_PATH" "/qdrant/init/.qdrant-initialized"
  "QDRANT__TELEMETRY_DISABLED" "true"
  "QDRANT__LOG_LEVEL" (upper $g.logLevel)
-}}
{{- toYaml (mergeOverwrite $env (.Values.env | default dict)) -}}
{{- end -}}
