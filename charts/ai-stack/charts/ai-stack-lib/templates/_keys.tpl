{{/*
A hash of the API keys a pod reads from Secrets at start (GATEWAY_API_KEYS and the keys file),
for its checksum/api-keys annotation: when the keys change, `helm upgrade` rolls the pods.
It covers the keys listed in values and the current content of Secrets the chart does not
write (existingSecret, fileSecret), read with `lookup` at install/upgrade time. A key the chart
generated is kept unchanged across upgrades, so it is not part of the hash (nor is anything
`helm template` cannot look up: with GitOps, change a pod annotation or use a reloader).
Usage: (dict "ctx" $ "keys" (list ...) "secrets" (list "name" ...))
*/}}
{{- define "ai-stack-lib.apiKeysChecksum" -}}
{{- $ctx := .ctx -}}
{{- $parts := list (toJson (.keys | default list)) -}}
{{- range $name := (.secrets | default list) }}
{{- if $name }}
{{- $found := lookup "v1" "Secret" $ctx.Release.Namespace $name }}
{{- $parts = append $parts (printf "%s=%s" $name (toJson (($found | default dict).data | default dict))) }}
{{- end }}
{{- end }}
{{- join "\n" $parts | sha256sum -}}
{{- end -}}
