{{/* Names and labels. */}}
{{- define "larder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "larder.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-<component>, e.g. larder-feature-server. */}}
{{- define "larder.componentName" -}}
{{- printf "%s-%s" (include "larder.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "larder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "larder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "larder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "larder.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "larder.componentLabels" -}}
{{ include "larder.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "larder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "larder.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "larder.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* host:port of the RegistryServer the FeatureServer and workers read. */}}
{{- define "larder.registryAddress" -}}
{{- if .Values.registry.enabled -}}
{{- printf "%s:%d" (include "larder.componentName" (dict "root" . "component" "registry")) (int .Values.registry.port) -}}
{{- else -}}
{{- required "registry.remoteAddress is required when registry.enabled is false" .Values.registry.remoteAddress -}}
{{- end -}}
{{- end -}}

{{/*
feature_store.yaml. Argument: dict "root" $ "registry" <the registry section>.
*/}}
{{- define "larder.featureStoreYaml" -}}
{{- $root := .root -}}
{{- $config := deepCopy $root.Values.featureStore -}}
{{- $_ := set $config "project" $root.Values.project -}}
{{- $_ := set $config "registry" .registry -}}
{{- $_ := set $config "auth" $root.Values.auth -}}
{{- $fs := deepCopy $root.Values.featureServer.config -}}
{{- $_ := set $fs "metrics" (dict "enabled" $root.Values.metrics.enabled "port" (int $root.Values.metrics.port)) -}}
{{- if $root.Values.metrics.otel.tracesEnabled -}}
{{- $_ := set $fs "tracing" (dict "enabled" true) -}}
{{- end -}}
{{- $_ := set $config "feature_server" $fs -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Environment of a Larder container. Argument: dict "root" $ "component" <name> ["env" <extra env list>]. */}}
{{- define "larder.env" -}}
{{- $root := .root -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_SERVICE_NAME
  value: {{ printf "larder-%s" .component | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),service.instance.id=$(POD_NAME)%s" (ternary (printf ",%s" $root.Values.metrics.otel.resourceAttributes) "" (ne $root.Values.metrics.otel.resourceAttributes "")) | quote }}
{{- if $root.Values.metrics.otel.tracesEnabled }}
- name: OTEL_TRACES_EXPORTER
  value: otlp
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
{{- with $root.Values.metrics.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $root.Values.metrics.otel.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $root.Values.metrics.otel.samplerArg | quote }}
{{- else }}
- name: OTEL_TRACES_EXPORTER
  value: none
{{- end }}
{{- with .env }}
{{ toYaml . }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pod-level fields every Larder Deployment shares. Argument: dict "root" $ "values" <component values>. */}}
{{- define "larder.podCommon" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "larder.serviceAccountName" $root }}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Container fields every Larder container shares (image, security, env, mounts).
Argument: dict "root" $ "component" <name> ["env" <extra env list>].
*/}}
{{- define "larder.containerCommon" -}}
{{- $root := .root -}}
image: {{ include "larder.image" $root | quote }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml $root.Values.securityContext | nindent 2 }}
env:
  {{- include "larder.env" . | nindent 2 }}
{{- with $root.Values.extraEnvFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumeMounts:
  - name: config
    mountPath: /etc/larder
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{/* Volumes: the ConfigMap's feature_store.yaml for this component, and /tmp. Argument: dict "root" $ "key" <ConfigMap key>. */}}
{{- define "larder.volumes" -}}
- name: config
  configMap:
    name: {{ include "larder.fullname" .root }}
    items:
      - key: {{ .key }}
        path: feature_store.yaml
- name: tmp
  emptyDir:
    sizeLimit: {{ .root.Values.tmpVolume.sizeLimit }}
{{- end -}}

{{/* Native gRPC probes (grpc.health.v1) on a port. Argument: dict "root" $ "port" <port>. */}}
{{- define "larder.grpcProbes" -}}
{{- $p := .root.Values.probes -}}
startupProbe:
  grpc:
    port: {{ .port }}
  periodSeconds: {{ $p.startup.periodSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
readinessProbe:
  grpc:
    port: {{ .port }}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
livenessProbe:
  grpc:
    port: {{ .port }}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
{{- end -}}

{{/* preStop sleep so endpoints drop the pod before it stops accepting calls. */}}
{{- define "larder.lifecycle" -}}
{{- if gt (int .Values.shutdown.preStopSleepSeconds) 0 -}}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.shutdown.preStopSleepSeconds }}"]
{{- end -}}
{{- end -}}

{{- define "larder.terminationGracePeriod" -}}
{{- add .Values.shutdown.preStopSleepSeconds .Values.shutdown.graceSeconds 5 -}}
{{- end -}}
