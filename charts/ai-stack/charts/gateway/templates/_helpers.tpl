{{/* What the gateway adds to the shared Python component (see ai-stack-lib/_python.tpl). */}}
{{- define "gateway.settings" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
portKey: gateway
portEnv: GATEWAY_PORT
module: services.gateway
home: {{ .Values.persistence.state.mountPath }}
env:
  ORCHESTRATOR_URL: {{ include "ai-stack-lib.peerUrl" (dict "ctx" . "name" "orchestrator" "port" $g.ports.orchestrator) }}
  {{- if .Values.apiKeys.fileSecret }}
  GATEWAY_API_KEYS_FILE: /etc/ai-stack/keys/keys.yaml
  {{- end }}
secretEnv:
  - name: GATEWAY_API_KEYS
    valueFrom:
      secretKeyRef:
        name: {{ include "gateway.apiKeysSecretName" . }}
        key: {{ .Values.apiKeys.existingSecretKey }}
ingressFrom: []
egressTo:
  - orchestrator
fromIngressController: {{ or $g.ingress.enabled $g.ingress.httpRoute.enabled }}
{{- if .Values.apiKeys.fileSecret }}
extraVolumes:
  - name: api-keys-file
    secret:
      secretName: {{ .Values.apiKeys.fileSecret }}
      items:
        - key: keys.yaml
          path: keys.yaml
extraVolumeMounts:
  - name: api-keys-file
    mountPath: /etc/ai-stack/keys
    readOnly: true
{{- end }}
{{- end -}}

{{- define "gateway.apiKeysSecretName" -}}
{{- .Values.apiKeys.existingSecret | default (printf "%s-api-keys" (include "ai-stack-lib.fullname" .)) -}}
{{- end -}}
