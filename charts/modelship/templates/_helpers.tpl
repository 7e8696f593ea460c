{{/* Chart name, overridable. */}}
{{- define "modelship.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name used as the prefix of every resource: the release name when it already says "modelship",
otherwise <release>-modelship.
*/}}
{{- define "modelship.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "modelship.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object the chart creates. */}}
{{- define "modelship.labels" -}}
helm.sh/chart: {{ include "modelship.chart" . }}
{{ include "modelship.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelship
{{- end }}

{{/* Labels that select the operator pods; never change them after a release exists (selectors are immutable). */}}
{{- define "modelship.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelship.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "modelship.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "modelship.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository[:tag|@digest], the tag defaulting to the chart's appVersion. */}}
{{- define "modelship.imageRef" -}}
{{- $image := .image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .appVersion $image.tag) -}}
{{- end -}}
{{- end }}

{{- define "modelship.operatorImage" -}}
{{- include "modelship.imageRef" (dict "image" .Values.image "appVersion" .Chart.AppVersion) -}}
{{- end }}

{{- define "modelship.runtimeImage" -}}
{{- include "modelship.imageRef" (dict "image" .Values.runtime.image "appVersion" .Chart.AppVersion) -}}
{{- end }}

{{/*
Namespaces the operator is granted access to when rbac.scope=namespaced: the watched namespaces, or the
release namespace when none are listed.
*/}}
{{- define "modelship.rbacNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- toJson (uniq .Values.watchNamespaces) }}
{{- else }}
{{- toJson (list .Release.Namespace) }}
{{- end }}
{{- end }}

{{/*
Namespaces passed to the operator's --namespaces: the watched namespaces; with rbac.scope=namespaced and none listed,
the release namespace (the operator has no rights elsewhere).
*/}}
{{- define "modelship.watchNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," (uniq .Values.watchNamespaces) }}
{{- else if eq .Values.rbac.scope "namespaced" }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/* The custom-metrics adapter's labels: the chart's, with its own component (its pods are not the operator's). */}}
{{- define "modelship.metricsAdapterLabels" -}}
helm.sh/chart: {{ include "modelship.chart" . }}
{{ include "modelship.metricsAdapterSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelship
{{- end }}

{{- define "modelship.metricsAdapterSelectorLabels" -}}
app.kubernetes.io/name: {{ include "modelship.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: metrics-adapter
{{- end }}
