{{/* Names and labels. */}}
{{- define "orchestrator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orchestrator.fullname" -}}
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

{{- define "orchestrator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orchestrator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orchestrator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "orchestrator.labels" -}}
helm.sh/chart: {{ include "orchestrator.chart" . }}
{{ include "orchestrator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "orchestrator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orchestrator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orchestrator.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Where the pod mounts what the settings name. */}}
{{- define "orchestrator.configDir" -}}/etc/orchestrator/config{{- end }}
{{- define "orchestrator.tlsDir" -}}/etc/orchestrator/tls{{- end }}
{{- define "orchestrator.clientCADir" -}}/etc/orchestrator/client-ca{{- end }}
{{- define "orchestrator.jwksDir" -}}/etc/orchestrator/jwks{{- end }}
{{- define "orchestrator.pseudonymDir" -}}/etc/orchestrator/pseudonym{{- end }}

{{- define "orchestrator.listen" -}}0.0.0.0:{{ int .Values.server.port }}{{- end }}
{{- define "orchestrator.adminListen" -}}0.0.0.0:{{ int .Values.server.adminPort }}{{- end }}

{{/* The pod's grace period: the drain timeout, the ~9 s the server takes after it, and room. */}}
{{- define "orchestrator.terminationGracePeriodSeconds" -}}
{{- add (int .Values.server.drainTimeoutSeconds) 15 }}
{{- end }}

{{/*
What the server would refuse, refused here first with the value to change. The server checks
again at start-up (and `orchestrator serve --check-config` on the rendered settings).
*/}}
{{- define "orchestrator.validate" -}}
{{- $auth := .Values.auth }}
{{- if and (eq $auth.mode "off") (not .Values.server.insecure) }}
{{- fail "auth.mode is \"off\" while the server listens on 0.0.0.0: anyone who reaches the port could read, cancel and delete any tenant's work. Set auth.mode=required with auth.apiKeys, auth.jwt or auth.clientCerts; or, if the network around the server authenticates callers, say so with server.insecure=true" }}
{{- end }}
{{- if and (eq $auth.mode "required") (not $auth.apiKeys) (not $auth.jwt.enabled) (not $auth.clientCerts) }}
{{- fail "auth.mode is \"required\" but no credential is configured: add auth.apiKeys (`orchestrator keys new` makes one), enable auth.jwt, or add auth.clientCerts" }}
{{- end }}
{{- if and $auth.clientCerts (not .Values.tls.clientCA.enabled) }}
{{- fail "auth.clientCerts need tls.clientCA.enabled: without a client CA no client certificate is asked for or verified" }}
{{- end }}
{{- if $auth.jwt.enabled }}
{{- if eq (empty $auth.jwt.jwksUrl) (empty $auth.jwt.jwksSecret) }}
{{- fail "auth.jwt needs exactly one of jwksUrl and jwksSecret" }}
{{- end }}
{{- if or (empty $auth.jwt.issuer) (empty $auth.jwt.audience) }}
{{- fail "auth.jwt needs issuer and audience" }}
{{- end }}
{{- end }}
{{- if and .Values.tls.enabled (empty .Values.tls.secretName) }}
{{- fail "tls.enabled needs tls.secretName: a kubernetes.io/tls Secret with tls.crt and tls.key" }}
{{- end }}
{{- if and .Values.tls.clientCA.enabled (not .Values.tls.enabled) }}
{{- fail "tls.clientCA.enabled needs tls.enabled" }}
{{- end }}
{{- if eq .Values.mode "cosmos" }}
{{- $cosmos := .Values.storage.cosmos }}
{{- if and (empty $cosmos.endpoint) (empty $cosmos.secretKeys.endpoint) }}
{{- fail "mode cosmos needs storage.cosmos.endpoint, or storage.cosmos.secretKeys.endpoint naming the key of existingSecret that holds it" }}
{{- end }}
{{- if and (eq $cosmos.credential "key") (empty $cosmos.existingSecret) }}
{{- fail "storage.cosmos.credential \"key\" needs storage.cosmos.existingSecret: the Secret with the account key (under secretKeys.key)" }}
{{- end }}
{{- if and $cosmos.secretKeys.endpoint (empty $cosmos.existingSecret) }}
{{- fail "storage.cosmos.secretKeys.endpoint needs storage.cosmos.existingSecret" }}
{{- end }}
{{- if empty .Values.review.pseudonymKey.existingSecret }}
{{- fail "mode cosmos needs review.pseudonymKey.existingSecret: every replica must key HASH pseudonyms with the same secret (kubectl create secret generic orchestrator-pseudonym --from-literal=pseudonym.key=\"$(openssl rand -hex 32)\")" }}
{{- end }}
{{- else if .Values.autoscaling.enabled }}
{{- fail "autoscaling needs mode cosmos: the embedded SQLite store serves one replica" }}
{{- end }}
{{- end }}

{{/*
The settings file (TOML). Strings go through toJson: a JSON string is a valid TOML basic string.
*/}}
{{- define "orchestrator.settings" -}}
# The orchestrator's settings, rendered by the Helm chart from its values.
[server]
listen = {{ include "orchestrator.listen" . | toJson }}
admin_listen = {{ include "orchestrator.adminListen" . | toJson }}
drain_timeout = "{{ int .Values.server.drainTimeoutSeconds }}s"
running_at_shutdown = {{ .Values.server.runningAtShutdown | toJson }}
insecure = {{ .Values.server.insecure }}
reflection = {{ .Values.server.reflection | toJson }}
{{- if .Values.tls.enabled }}

[server.tls]
cert_file = "{{ include "orchestrator.tlsDir" . }}/tls.crt"
key_file = "{{ include "orchestrator.tlsDir" . }}/tls.key"
{{- if .Values.tls.clientCA.enabled }}
client_ca_file = "{{ include "orchestrator.clientCADir" . }}/ca.crt"
{{- end }}
{{- end }}

[log]
format = {{ .Values.log.format | toJson }}
filter = {{ .Values.log.filter | toJson }}

[telemetry.otlp]
endpoint = {{ .Values.telemetry.otlp.endpoint | toJson }}
sampling_ratio = {{ .Values.telemetry.otlp.samplingRatio | float64 }}

[metrics]
tenant_label = {{ .Values.metrics.tenantLabel }}

[storage]
backend = {{ .Values.mode | toJson }}
data_dir = {{ .Values.storage.dataDir | toJson }}
lease_duration = {{ .Values.storage.leaseDuration | toJson }}
{{- if eq .Values.mode "cosmos" }}
{{- $cosmos := .Values.storage.cosmos }}

[storage.cosmos]
{{- if $cosmos.endpoint }}
endpoint = {{ $cosmos.endpoint | toJson }}
{{- else }}
# endpoint: from the Secret {{ $cosmos.existingSecret }} (ORCHESTRATOR_STORAGE__COSMOS__ENDPOINT)
{{- end }}
database = {{ $cosmos.database | toJson }}
credential = {{ $cosmos.credential | toJson }}
key_env = {{ $cosmos.keyEnv | toJson }}
managed_identity_client_id = {{ $cosmos.managedIdentityClientId | toJson }}
create_containers = {{ $cosmos.createContainers }}
http2 = {{ $cosmos.http2 }}
binary_encoding = {{ $cosmos.binaryEncoding }}
{{- end }}

[review]
criteria_cache_ttl = {{ .Values.review.criteriaCacheTtl | toJson }}
{{- if .Values.review.pseudonymKey.existingSecret }}
pseudonym_key_file = "{{ include "orchestrator.pseudonymDir" . }}/pseudonym.key"
{{- end }}

[auth]
mode = {{ .Values.auth.mode | toJson }}
{{- range .Values.auth.apiKeys }}

[[auth.api_keys]]
name = {{ .name | toJson }}
sha256 = {{ .sha256 | toJson }}
tenant = {{ .tenant | toJson }}
roles = {{ .roles | toJson }}
{{- end }}
{{- with .Values.auth.jwt }}
{{- if .enabled }}

[auth.jwt]
{{- if .jwksUrl }}
jwks_url = {{ .jwksUrl | toJson }}
{{- else }}
jwks_file = "{{ include "orchestrator.jwksDir" $ }}/jwks.json"
{{- end }}
issuer = {{ .issuer | toJson }}
audience = {{ .audience | toJson }}
tenant_claim = {{ .tenantClaim | toJson }}
roles_claim = {{ .rolesClaim | toJson }}
{{- end }}
{{- end }}
{{- range .Values.auth.clientCerts }}

[[auth.client_certs]]
name = {{ .name | toJson }}
tenant = {{ .tenant | toJson }}
roles = {{ .roles | toJson }}
{{- end }}
{{- with .Values.extraSettings }}

# extraSettings
{{ . }}
{{- end }}
{{- end }}

{{/*
The pod template, shared by the StatefulSet (sqlite) and the Deployment (cosmos).
*/}}
{{- define "orchestrator.podTemplate" -}}
metadata:
  labels:
    {{- include "orchestrator.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A change of the settings rolls the pods.
    checksum/settings: {{ include "orchestrator.settings" . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "orchestrator.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  # server.drain_timeout ({{ int .Values.server.drainTimeoutSeconds }}s) + 15 s: the server exits
  # within the drain timeout plus about 9 s.
  terminationGracePeriodSeconds: {{ include "orchestrator.terminationGracePeriodSeconds" . }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: orchestrator
      image: {{ include "orchestrator.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - serve
        - --config
        - {{ include "orchestrator.configDir" . }}/settings.toml
      env:
        # The same values as the settings file: the image sets these variables, and variables
        # override the file.
        - name: ORCHESTRATOR_SERVER__LISTEN
          value: {{ include "orchestrator.listen" . | quote }}
        - name: ORCHESTRATOR_SERVER__ADMIN_LISTEN
          value: {{ include "orchestrator.adminListen" . | quote }}
        - name: ORCHESTRATOR_STORAGE__DATA_DIR
          value: {{ .Values.storage.dataDir | quote }}
        # Temporary files (SQLite's among them) go to the /tmp volume: the root filesystem
        # is read-only.
        - name: TMPDIR
          value: /tmp
        {{- if eq .Values.mode "cosmos" }}
        {{- $cosmos := .Values.storage.cosmos }}
        {{- if eq $cosmos.credential "key" }}
        - name: {{ $cosmos.keyEnv }}
          valueFrom:
            secretKeyRef:
              name: {{ $cosmos.existingSecret }}
              key: {{ $cosmos.secretKeys.key }}
        {{- end }}
        {{- if $cosmos.secretKeys.endpoint }}
        - name: ORCHESTRATOR_STORAGE__COSMOS__ENDPOINT
          valueFrom:
            secretKeyRef:
              name: {{ $cosmos.existingSecret }}
              key: {{ $cosmos.secretKeys.endpoint }}
        {{- end }}
        {{- if $cosmos.disableImds }}
        - name: COSMOS_DISABLE_IMDS
          value: "1"
        {{- end }}
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: grpc
          containerPort: {{ int .Values.server.port }}
          protocol: TCP
        - name: admin
          containerPort: {{ int .Values.server.adminPort }}
          protocol: TCP
      readinessProbe:
        {{- if .Values.tls.enabled }}
        # The kubelet's gRPC probe cannot speak TLS: /readyz mirrors grpc.health.v1.
        httpGet:
          path: /readyz
          port: admin
        {{- else }}
        grpc:
          port: {{ int .Values.server.port }}
          service: ""
        {{- end }}
        {{- toYaml .Values.probes.readiness | nindent 8 }}
      livenessProbe:
        # The process answers; the store's state is readiness's business.
        httpGet:
          path: /healthz
          port: admin
        {{- toYaml .Values.probes.liveness | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: settings
          mountPath: {{ include "orchestrator.configDir" . }}
          readOnly: true
        - name: data
          mountPath: {{ .Values.storage.dataDir }}
        - name: tmp
          mountPath: /tmp
        {{- if .Values.tls.enabled }}
        # Whole directories, not subPath: a Secret's update reaches them (the server re-reads
        # the files when they change).
        - name: tls
          mountPath: {{ include "orchestrator.tlsDir" . }}
          readOnly: true
        {{- if .Values.tls.clientCA.enabled }}
        - name: client-ca
          mountPath: {{ include "orchestrator.clientCADir" . }}
          readOnly: true
        {{- end }}
        {{- end }}
        {{- if and .Values.auth.jwt.enabled .Values.auth.jwt.jwksSecret }}
        - name: jwks
          mountPath: {{ include "orchestrator.jwksDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.review.pseudonymKey.existingSecret }}
        - name: pseudonym-key
          mountPath: {{ include "orchestrator.pseudonymDir" . }}
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: settings
      configMap:
        name: {{ include "orchestrator.fullname" . }}-settings
    {{- if eq .Values.mode "cosmos" }}
    # Nothing of the store lives here in cosmos mode; the server may still write to its data
    # directory, and the root filesystem is read-only.
    - name: data
      emptyDir: {}
    {{- end }}
    - name: tmp
      emptyDir: {}
    {{- if .Values.tls.enabled }}
    - name: tls
      secret:
        secretName: {{ .Values.tls.secretName }}
        defaultMode: 288 # 0440: the fsGroup reads it
        items:
          - key: tls.crt
            path: tls.crt
          - key: tls.key
            path: tls.key
    {{- if .Values.tls.clientCA.enabled }}
    - name: client-ca
      secret:
        secretName: {{ .Values.tls.clientCA.secretName | default .Values.tls.secretName }}
        defaultMode: 288
        items:
          - key: {{ .Values.tls.clientCA.key }}
            path: ca.crt
    {{- end }}
    {{- end }}
    {{- if and .Values.auth.jwt.enabled .Values.auth.jwt.jwksSecret }}
    - name: jwks
      secret:
        secretName: {{ .Values.auth.jwt.jwksSecret }}
        defaultMode: 288
        items:
          - key: {{ .Values.auth.jwt.jwksSecretKey }}
            path: jwks.json
    {{- end }}
    {{- if .Values.review.pseudonymKey.existingSecret }}
    - name: pseudonym-key
      secret:
        secretName: {{ .Values.review.pseudonymKey.existingSecret }}
        defaultMode: 288
        items:
          - key: {{ .Values.review.pseudonymKey.key }}
            path: pseudonym.key
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
