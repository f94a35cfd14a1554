{{/* A ClusterIP Service on the component's http port: (dict "ctx" $ "port" 8080) */}}
{{- define "ai-stack-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "ai-stack-lib.fullname" .ctx }}
  labels:
    {{- include "ai-stack-lib.labels" .ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "ai-stack-lib.selectorLabels" .ctx | nindent 4 }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: http
      protocol: TCP
{{- end -}}
