{{/*
One NetworkPolicy per component, on top of the umbrella's default deny (ingress) policy.
Ingress: the component's callers along the call graph the code makes (tests/platform/
call_graph.py reads it from the services and compares it with these policies):
  ingress controller -> gateway (/v1), mcp (/<domain>/mcp), tool-registry (/mcp)
  gateway -> orchestrator, rag-api (embeddings), asr-api (transcriptions)
  orchestrator -> llm-runner, rag-api, tool-registry, mcp
  asr-api -> rag-api; mcp -> rag-api; rag-api -> qdrant
plus its own `helm test` pod and, with ServiceMonitors on, the monitoring namespace.
Egress: DNS, the components it calls, rules its settings add (egressRules: the gateway's
Redis, on its port only), the internet on 443 only where values say so, and
whatever global.networkPolicy.extraEgress / networkPolicy.extraEgress add (an OTel collector).

Usage: (dict "ctx" $ "ports" (list 8080) "ingressFrom" (list "gateway") "egressTo" (list "qdrant")
             "egressRules" (list (dict "ports" (list (dict "port" 6379))))
             "fromIngressController" false "extraSources" (list "llm-runner-pull"))
*/}}
{{- define "ai-stack-lib.networkPolicy" -}}
{{- $ctx := .ctx -}}
{{- $g := include "ai-stack-lib.globals" $ctx | fromYaml -}}
{{- $np := $ctx.Values.networkPolicy | default dict -}}
{{- if $g.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "ai-stack-lib.fullname" $ctx }}
  labels:
    {{- include "ai-stack-lib.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "ai-stack-lib.selectorLabels" $ctx | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        {{- range (concat (.ingressFrom | default list) (list (printf "%s-test" $ctx.Chart.Name)) (.extraSources | default list)) }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $ctx.Release.Name }}
        {{- end }}
      ports:
        {{- range .ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- if .fromIngressController }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.ingress.controllerNamespace }}
      ports:
        {{- range .ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- end }}
    {{- if $g.monitoring.serviceMonitor.enabled }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.monitoring.namespace }}
      ports:
        {{- range .ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- end }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.networkPolicy.dnsNamespace }}
          podSelector:
            matchLabels:
              {{- toYaml $g.networkPolicy.dnsPodLabels | nindent 14 }}
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- with .egressTo }}
    - to:
        {{- range . }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $ctx.Release.Name }}
        {{- end }}
    {{- end }}
    {{- if $np.allowInternetEgress }}
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              - 10.0.0.0/8
              - 172.16.0.0/12
              - 192.168.0.0/16
              - 169.254.0.0/16
      ports:
        - port: 443
          protocol: TCP
    {{- end }}
    {{- with .egressRules }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $g.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- end -}}
