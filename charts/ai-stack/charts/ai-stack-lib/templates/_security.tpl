{{/*
Pod Security Standards "restricted" for every pod: non-root with a fixed non-zero UID,
RuntimeDefault seccomp, no privilege escalation, every capability dropped, read-only root
filesystem (writable paths are emptyDirs or PVCs). Only values-dev.yaml may relax
readOnlyRootFilesystem (skaffold file sync needs a writable /app).
*/}}
{{- define "ai-stack-lib.uid" -}}
{{- (.Values.securityContext | default dict).runAsUser | default 10001 | int -}}
{{- end -}}

{{- define "ai-stack-lib.podSecurityContext" -}}
{{- $uid := include "ai-stack-lib.uid" . -}}
runAsNonRoot: true
runAsUser: {{ $uid }}
runAsGroup: {{ $uid }}
fsGroup: {{ $uid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "ai-stack-lib.containerSecurityContext" -}}
{{- $sc := .Values.securityContext | default dict -}}
{{- $uid := include "ai-stack-lib.uid" . -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ ternary $sc.readOnlyRootFilesystem true (hasKey $sc "readOnlyRootFilesystem") }}
runAsNonRoot: true
runAsUser: {{ $uid }}
runAsGroup: {{ $uid }}
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The pod-level fields every workload shares: its own ServiceAccount without a token (no
component talks to the Kubernetes API), no service-link env vars (they would clash with the
stack's *_PORT settings), pull secrets and scheduling from values.
*/}}
{{- define "ai-stack-lib.podCommon" -}}
{{- $g := include "ai-stack-lib.globals" . | fromYaml -}}
serviceAccountName: {{ include "ai-stack-lib.fullname" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "ai-stack-lib.podSecurityContext" . | nindent 2 }}
{{- with $g.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "ai-stack-lib.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "ai-stack-lib.fullname" . }}
  labels:
    {{- include "ai-stack-lib.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
