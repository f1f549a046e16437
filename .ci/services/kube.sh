#!/usr/bin/env bash
# A real Kubernetes API server on loopback for the Kubernetes provider's tests, without systemd:
#   .ci/services/kube.sh start   etcd (Debian etcd-server) on 127.0.0.1:${KUBE_CI_ETCD_PORT:-12579}
#                                and kube-apiserver v1.20 with TLS on 127.0.0.1:${KUBE_CI_PORT:-16643},
#                                static tokens, RBAC, no anonymous auth (idempotent). Writes
#                                $STATE/kubeconfig (user ci-admin, in system:masters) and
#                                $STATE/kubeconfig-limited (user ci-limited: no permission at all
#                                until a test grants it one with RBAC).
#   .ci/services/kube.sh stop    stop only the apiserver and etcd that `start` recorded (idempotent)
#   .ci/services/kube.sh prebuild  install the build's packages now, then build kube-apiserver in
#                                the background (log: $CACHE/prebuild.log) unless it is cached, so
#                                a whole-suite run overlaps the cold build with earlier sessions;
#                                `start` waits for it on the build lock
# Debian 12 (bookworm), run as root. Based on the project's shared CI recipe for Kubernetes:
# kube-apiserver is built from Debian's `kubernetes` SOURCE package (the binary packages ship only
# kubectl) the first time only, cached at ${KUBE_CI_CACHE:-/var/cache/ci-kube}/kube-apiserver (a
# cold build takes 4-10 min on 2 cores, later starts 5-10 s). There is no scheduler, controller
# manager or kubelet: the tests bring a node agent (parsl.testing.kube_node).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE=${KUBE_CI_DIR:-/var/lib/parsl-ci-kube}
CACHE=${KUBE_CI_CACHE:-/var/cache/ci-kube}
PORT=${KUBE_CI_PORT:-16643}
EPORT=${KUBE_CI_ETCD_PORT:-12579}
PPORT=$((EPORT + 1))
NICE=${KUBE_CI_NICE:-10}
JOBS=${KUBE_CI_JOBS:-2}
TIMEOUT=${KUBE_CI_TIMEOUT:-180}
SUITE=bookworm
BIN=$CACHE/kube-apiserver
PKI=$STATE/pki
log() { echo "[kube.sh] $*"; }
die() { echo "kube.sh: $*" >&2; exit 1; }

stop() {
  stop_pid "$STATE/apiserver.pid" kube-apiserver   # first: it needs etcd to exit cleanly
  stop_pid "$STATE/etcd.pid" etcd
  echo "kube stopped"
}

missing_packages() { local p; for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done; }

# Private apt config for deb-src: the system's sources, lists and caches are not touched.
# The deb-src entries reuse the URIs of the system's own Debian $SUITE entries.
write_debsrc() {  # dir
  local f out=$1/src.sources list=$1/src.list
  : >"$out"; : >"$list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v RS= -v S="$SUITE" '
      { types=""; uris=""; suites=""; signed=""; enabled="yes"
        n = split($0, L, "\n")
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^[ \t]*#/) continue
          k = L[i]; sub(/:.*/, "", k); v = L[i]; sub(/^[^:]*:[ \t]*/, "", v)
          if (k == "Types") types = v; else if (k == "URIs") uris = v
          else if (k == "Suites") suites = v; else if (k == "Signed-By") signed = v
          else if (k == "Enabled") enabled = v }
        if (enabled == "no" || (" " types " ") !~ / deb /) next
        m = split(suites, s, /[ \t]+/); keep = ""
        for (j = 1; j <= m; j++) if (s[j] ~ ("^" S "(-updates|-security)?$")) keep = keep " " s[j]
        if (keep == "" || uris == "") next
        printf "Types: deb-src\nURIs: %s\nSuites:%s\nComponents: main\n", uris, keep
        if (signed != "" && signed !~ /^-----/) printf "Signed-By: %s\n", signed
        printf "\n" }' "$f" >>"$out"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v S="$SUITE" '$1 == "deb" { i = 2; opt = ""
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opt = opt $i " "; i++ } opt = opt $i " "; i++ }
        if ($(i+1) ~ ("^" S "(-updates|-security)?$")) print "deb-src " opt $i " " $(i+1) " main" }' "$f" >>"$list"
  done
  [ -s "$out" ] || [ -s "$list" ] || die "no Debian $SUITE entry in /etc/apt/sources.list{,.d} to derive a deb-src entry from"
}

progress() {  # read `go build -v` output; print errors at once and a status line every 30 s
  local n=0 t0=$SECONDS last=$SECONDS line rc
  while :; do
    if IFS= read -r -t 5 line; then
      case $line in *[[:space:]:]*) echo "$line";; *) n=$((n + 1));; esac
    else
      rc=$?; [ "$rc" -gt 128 ] || break   # >128: read timed out; else end of input
    fi
    if [ $((SECONDS - last)) -ge 30 ]; then
      log "  compiling: $n/$1 packages, $((SECONDS - t0)) s"; last=$SECONDS
    fi
  done
  log "  compiled $n packages in $((SECONDS - t0)) s"
}

build_apiserver() {
  local B=$CACHE/build t0=$SECONDS A SRC dsc ver up major minor dirs pkg ld total rc
  A=$B/apt; SRC=$B/gopath/src/k8s.io/kubernetes
  local need; need=$(missing_packages golang-go dpkg-dev xz-utils); [ -z "$need" ] || apt_install $need
  export PATH=/usr/lib/go/bin:$PATH   # Debian's Go 1.19 even if another go is on PATH
  export GO111MODULE=off GOPATH=$B/gopath GOCACHE=$CACHE/gocache CGO_ENABLED=0 \
         GOFLAGS='' GOPROXY=off GOENV=off GOTOOLCHAIN=local GOWORK=off
  log "building kube-apiserver from Debian's kubernetes source package ($(go version | cut -d' ' -f3), nice $(nice -n "$NICE" nice), -p $JOBS)"
  log "this takes about 4-10 minutes on 2 cores (more on a busy machine); the binary is cached at $BIN"
  rm -rf "$B"
  mkdir -p "$B"
  local kb; kb=$(df -Pk "$B" | awk 'NR == 2 {print $4}')
  [ "${kb:-0}" -ge 3000000 ] || die "the build needs about 3 GB free in $CACHE (source tree + Go cache), found $((${kb:-0} / 1024)) MB"
  mkdir -p "$A/sources.list.d" "$A/lists/partial" "$A/cache/archives/partial" "$B/dl" "$B/bin" \
           "$B/gopath/src/k8s.io" "$GOCACHE"
  write_debsrc "$A/sources.list.d"
  local APTO=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$A/sources.list.d"
              -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache")
  log "apt-get update (private deb-src list, $A)"
  apt-get "${APTO[@]}" update -qq || die "apt-get update for the private deb-src list failed (see $A/sources.list.d)"
  id _apt >/dev/null 2>&1 && chown _apt "$B/dl"
  log "apt-get source --download-only kubernetes${KUBE_CI_SRC_VERSION:+=$KUBE_CI_SRC_VERSION} (about 34 MB)"
  (cd "$B/dl" && apt-get "${APTO[@]}" source -qq --download-only "kubernetes${KUBE_CI_SRC_VERSION:+=$KUBE_CI_SRC_VERSION}") \
    || die "apt-get source kubernetes failed"
  dsc=$(ls "$B"/dl/kubernetes_*.dsc 2>/dev/null | head -1)
  [ -n "$dsc" ] || die "no kubernetes_*.dsc downloaded into $B/dl"
  log "extracting $(basename "$dsc")"
  dpkg-source -q -x "$dsc" "$B/src" >"$B/dpkg-source.log" 2>&1 || { cat "$B/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
  ln -s "$B/src" "$SRC"
  ver=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)   # 1.20.5+really1.20.2-1.1+deb12u1
  up=${ver#*:}; up=${up%-*}; up=${up##*really}                        # 1.20.2
  [[ $up =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "cannot derive the upstream version from '$ver'"
  major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  cd "$SRC"

  log "building openapi-gen"
  nice -n "$NICE" go build -p "$JOBS" -o "$B/bin/openapi-gen" k8s.io/kubernetes/vendor/k8s.io/kube-openapi/cmd/openapi-gen
  # the package list is computed as in Makefile.generated_files (KUBE_OPENAPI_TAG_FILES);
  # no pipefail here: grep -l exits 1 for an xargs batch without a match
  dirs=$(set +o pipefail; find -H . \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune -o -type f -name '*.go' -print \
    | sed 's|^\./staging/src/|./vendor/|; s|^\./||' | xargs -r grep -l '^// *+k8s:' \
    | xargs -r grep -l '+k8s:openapi-gen=' \
    | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' \
    | xargs -r -n1 dirname | LC_ALL=C sort -u)
  [ -n "$dirs" ] || die "found no +k8s:openapi-gen packages in $SRC"
  printf '%s\n' "$dirs" >"$B/openapi-dirs.txt"
  log "generating pkg/generated/openapi from $(grep -c . "$B/openapi-dirs.txt") API packages"
  nice -n "$NICE" "$B/bin/openapi-gen" -o "$GOPATH/src" \
    -i "$(sed 's|^|k8s.io/kubernetes/|' "$B/openapi-dirs.txt" | paste -sd, -)" \
    -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$B/openapi-violations.report" \
    >"$B/openapi-gen.log" 2>&1 || { tail -20 "$B/openapi-gen.log" >&2; die "openapi-gen failed"; }
  [ -s pkg/generated/openapi/zz_generated.openapi.go ] || die "openapi-gen wrote no zz_generated.openapi.go"

  ld="-s -w"
  for pkg in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=v$up -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld="$ld -X $pkg.gitTreeState=archive -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  total=$(go list -deps k8s.io/kubernetes/cmd/kube-apiserver | grep -c .)
  log "compiling kube-apiserver v$up ($total packages, log $B/build.log)"
  set +e
  nice -n "$NICE" go build -v -p "$JOBS" -trimpath -ldflags "$ld" -o "$B/bin/kube-apiserver" \
    k8s.io/kubernetes/cmd/kube-apiserver 2>&1 | tee "$B/build.log" | progress "$total"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || { tail -30 "$B/build.log" >&2; die "go build kube-apiserver failed (rc $rc); build tree kept in $B"; }
  "$B/bin/kube-apiserver" --version | grep -q "v$up" || die "the built binary does not report v$up"
  cd /
  install -m 0755 "$B/bin/kube-apiserver" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
  printf 'source: kubernetes %s (Debian %s)\nversion: v%s\ngo: %s\nbuilt: %s in %s s\nsha256: %s\n' \
    "$ver" "$SUITE" "$up" "$(go version)" "$(date -u +%FT%TZ)" "$((SECONDS - t0))" \
    "$(sha256sum "$BIN" | cut -d' ' -f1)" >"$CACHE/kube-apiserver.info"
  if [ "${KUBE_CI_KEEP_BUILD:-0}" != 1 ]; then rm -rf "$B" "$GOCACHE"; fi
  log "built $BIN (v$up) in $((SECONDS - t0)) s"
}

cached_ok() { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q '^Kubernetes v'; }

build_once() {
  if ! cached_ok; then
    exec 9>"$CACHE/build.lock"
    flock 9 || die "cannot lock $CACHE/build.lock"   # one build per cache dir at a time
    if ! cached_ok; then ( build_apiserver ); fi
    exec 9>&-
  fi
  cached_ok || die "no usable $BIN"
}

credentials() {  # CA, serving certificate, service-account key, and two users' tokens (once)
  mkdir -p "$PKI" "$STATE/etcd"; chmod 700 "$PKI" "$STATE/etcd"
  if [ ! -s "$PKI/ca.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=parsl-ci-kube-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
    rm -f "$PKI/apiserver.crt"
  fi
  if [ ! -s "$PKI/apiserver.crt" ]; then
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=kube-apiserver" \
      -keyout "$PKI/apiserver.key" -out "$PKI/apiserver.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default" \
      >"$PKI/apiserver.ext"
    openssl x509 -req -sha256 -days 3650 -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -extfile "$PKI/apiserver.ext" -out "$PKI/apiserver.crt" 2>/dev/null
  fi
  if [ ! -s "$PKI/sa.key" ]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  if [ ! -s "$STATE/tokens.csv" ]; then
    ( umask 077
      echo "$(openssl rand -hex 24),ci-admin,ci-admin,system:masters" >"$STATE/tokens.csv"
      echo "$(openssl rand -hex 24),ci-limited,ci-limited" >>"$STATE/tokens.csv" )
  fi
}

launch() {  # name comm args...: start unless running (a changed command line restarts it)
  local name=$1 comm=$2; shift 2
  local want; want=$(printf '%s\n' "$@")
  if alive "$STATE/$name.pid" "$comm"; then
    [ "$want" = "$(cat "$STATE/$name.args" 2>/dev/null)" ] && return 0
    log "$name flags changed: restarting it"; stop_pid "$STATE/$name.pid" "$comm"
  fi
  printf '%s\n' "$want" >"$STATE/$name.args"
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$STATE/$name.pid" "$@" >"$STATE/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  for _ in $(seq 50); do alive "$STATE/$name.pid" "$comm" && break; sleep 0.1; done
}

wait_up() {  # name comm seconds probe...
  local name=$1 comm=$2 secs=$3 i; shift 3
  for ((i = 0; i < secs * 4; i++)); do
    "$@" && return 0
    alive "$STATE/$name.pid" "$comm" || { tail -25 "$STATE/$name.log" >&2; die "$name exited (log $STATE/$name.log)"; }
    sleep 0.25
  done
  tail -25 "$STATE/$name.log" >&2; die "$name not ready after $secs s (log $STATE/$name.log)"
}

kubeconfig() {  # file user
  local token; token=$(awk -F, -v u="$2" '$2 == u {print $1}' "$STATE/tokens.csv")
  ( umask 077; cat >"$1.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: parsl-ci-kube
  cluster:
    server: https://127.0.0.1:$PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $2
  user:
    token: $token
contexts:
- name: parsl-ci-kube
  context:
    cluster: parsl-ci-kube
    user: $2
    namespace: default
current-context: parsl-ci-kube
KC
  ) && mv -f "$1.tmp" "$1"
}

start() {
  [ "$(id -u)" = 0 ] || die "run as root"
  mkdir -p "$STATE" "$CACHE"
  exec 8>"$STATE/start.lock"
  flock 8 || die "cannot lock $STATE/start.lock"
  local need; need=$(missing_packages etcd-server openssl curl); [ -z "$need" ] || apt_install $need
  build_once
  credentials
  launch etcd etcd /usr/bin/etcd --name parsl-ci --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$EPORT" --advertise-client-urls "http://127.0.0.1:$EPORT" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "parsl-ci=http://127.0.0.1:$PPORT" --logger=zap --log-outputs=stderr
  etcd_up() { curl -sf --max-time 2 "http://127.0.0.1:$EPORT/health" 2>/dev/null | grep -q '"health":"true"'; }
  wait_up etcd etcd 60 etcd_up
  launch apiserver kube-apiserver "$BIN" --etcd-servers="http://127.0.0.1:$EPORT" \
    --bind-address=127.0.0.1 --secure-port="$PORT" --advertise-address=127.0.0.1 \
    --cert-dir="$PKI" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --token-auth-file="$STATE/tokens.csv" --authorization-mode=RBAC --anonymous-auth=false \
    --service-cluster-ip-range=10.0.0.0/24 --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --disable-admission-plugins=ServiceAccount --profiling=false --endpoint-reconciler-type=none
  api_up() {
    curl -sf --max-time 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(awk -F, 'NR == 1 {print $1}' "$STATE/tokens.csv")" \
      "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1
  }
  wait_up apiserver kube-apiserver "$TIMEOUT" api_up
  kubeconfig "$STATE/kubeconfig" ci-admin
  kubeconfig "$STATE/kubeconfig-limited" ci-limited
  echo "kube ready: https://127.0.0.1:$PORT; KUBECONFIG=$STATE/kubeconfig (limited user: $STATE/kubeconfig-limited)"
}

prebuild() {
  [ "$(id -u)" = 0 ] || die "run as root"
  cached_ok && return 0
  mkdir -p "$CACHE"
  local need; need=$(missing_packages etcd-server openssl curl golang-go dpkg-dev xz-utils)
  [ -z "$need" ] || apt_install $need   # now, so that no apt run overlaps a session's own
  log "building kube-apiserver in the background, log $CACHE/prebuild.log"
  nohup setsid bash "${BASH_SOURCE[0]}" build >"$CACHE/prebuild.log" 2>&1 </dev/null &
}

case "${1:-}" in
  prebuild) prebuild ;;
  build) build_once ;;
  *) service_main "$@" ;;
esac
