{{/*
Shared settings under `.Values.global`.

The defaults below mirror the `global:` block of the umbrella's values.yaml (a test keeps the two
equal). They exist so that every subchart also renders on its own, as `helm lint --with-subcharts`
does; under the umbrella the values it passes down win key by key.

Usage: {{- $g := include "ai-stack-lib.globals" . | fromYaml }}
*/}}
{{- define "ai-stack-lib.globalDefaults" -}}
imageRegistry: ""
imagePullPolicy: IfNotPresent
imagePullSecrets: []
storageClass: ""
logLevel: info
logFormat: json
models:
  - ai-stack
http:
  connectTimeoutSeconds: 3
  readTimeoutSeconds: 300
otel:
  endpoint: ""
ports:
  gateway: 8080
  orchestrator: 8081
  ragApi: 8082
  qdrant: 6333
  asrApi: 8084
  mcp: 8085
  toolRegistry: 8086
llm:
  backend: ollama
  baseUrl: ""
  model: ""
  ollamaModel: llama3:8b-instruct
  vllmModel: /models/Mistral-7B-Instruct
ingress:
  enabled: false
  className: traefik
  host: ai-stack.localtest.me
  annotations: {}
  controllerNamespace: kube-system
  tls:
    enabled: false
    secretName: ""
    clusterIssuer: ""
  httpRoute:
    enabled: false
    parentRefs: []
networkPolicy:
  enabled: true
  dnsNamespace: kube-system
  dnsPodLabels:
    k8s-app: kube-dns
  extraEgress: []
monitoring:
  namespace: monitoring
  serviceMonitor:
    enabled: false
    interval: 30s
    labels: {}
testImage:
  repository: busybox
  tag: 1.37.0
serviceToken:
  existingSecret: ""
  existingSecretKey: AISTACK_SERVICE_TOKEN
operator:
  enabled: false
{{- end -}}

{{- define "ai-stack-lib.globals" -}}
{{- $given := .Values.global | default dict -}}
{{- include "ai-stack-lib.deepMerge" (dict "defaults" (include "ai-stack-lib.globalDefaults" . | fromYaml) "given" $given) -}}
{{- end -}}

{{/*
Recursive merge where every key present in `given` wins, false and "" included (sprig's
merge/mergeOverwrite treat those as unset). Maps merge key by key; lists are replaced whole.
*/}}
{{- define "ai-stack-lib.deepMerge" -}}
{{- $out := dict -}}
{{- range $key, $default := .defaults -}}
{{- if hasKey $.given $key -}}
{{- $value := index $.given $key -}}
{{- if and (kindIs "map" $default) (kindIs "map" $value) -}}
{{- $_ := set $out $key (include "ai-stack-lib.deepMerge" (dict "defaults" $default "given" $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- else -}}
{{- $_ := set $out $key $default -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := .given -}}
{{- if not (hasKey $.defaults $key) -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
