#!/usr/bin/env bash
# The TLS checks against nginx, through the real binary (`--once --json`): the ways nginx is
# deployed that the handshake alone does not show (issue 12). `ssl_verify_client on` completes
# the handshake without a client certificate and then answers 400 "No required SSL
# certificate was sent" (TLS 1.2, TLS 1.3, and over HTTP/1.1 when it prefers h2): each must be
# client-cert-required, while `optional` stays healthy; a plain HTTP port is not-tls in every
# run; with NTP silent, one nginx under faketime whose certificate expired does not decide the
# time alone or beside two that disagree (cert-expired, no clock finding). Every server listens on
# 127.0.0.1 only.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

C="$WORK/nginx"
mkdir -p "$C"
cd "$C" || exit 1

SETUP_LOG=nginx-setup

# --- certificates: a root, a leaf for localhost, a CA for client certificates ------------------
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
  -out root.pem -days 3650 -subj "/CN=Nginx Interop Root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
  -subj /CN=localhost -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >leaf.ext
q openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 365 \
  -extfile leaf.ext -out leaf.pem
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-ca.key \
  -out client-ca.pem -days 3650 -subj "/CN=Nginx Interop Client CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign

# --- nginx --------------------------------------------------------------------------------------
NAMES=(plain mtls-tls12 mtls-tls13 mtls-h2 mtls-optional)
declare -A EXPECT=([plain]=not-tls [mtls-tls12]=client-cert-required
  [mtls-tls13]=client-cert-required [mtls-h2]=client-cert-required [mtls-optional]=-)
declare -A PORTS
for name in "${NAMES[@]}"; do PORTS[$name]=$(free_port tcp); done
tls_server() { # PORT LISTEN-EXTRA PROTOCOLS VERIFY
  cat <<EOF
  server {
    listen 127.0.0.1:$1 ssl $2;
    ssl_protocols $3;
    ssl_certificate $C/leaf.pem;
    ssl_certificate_key $C/leaf.key;
    ssl_client_certificate $C/client-ca.pem;
    ssl_verify_client $4;
    location / { return 200 "ok\n"; }
  }
EOF
}
{
  printf 'worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/nginx.err;\n' "$C" "$C"
  printf 'events { worker_connections 64; }\nhttp {\n  access_log off;\n'
  printf '  server { listen 127.0.0.1:%s; location / { return 200 "ok\\n"; } }\n' "${PORTS[plain]}"
  tls_server "${PORTS[mtls-tls12]}" "" TLSv1.2 on
  tls_server "${PORTS[mtls-tls13]}" "" TLSv1.3 on
  tls_server "${PORTS[mtls-h2]}" http2 "TLSv1.2 TLSv1.3" on
  tls_server "${PORTS[mtls-optional]}" "" "TLSv1.2 TLSv1.3" optional
  printf '}\n'
} >nginx.conf
spawn nginx nginx -c "$C/nginx.conf" -p "$C"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
all_open() { local n; for n in "${NAMES[@]}"; do port_open "${PORTS[$n]}" || return 1; done; }
if ! wait_for 10 all_open; then
  fail "nginx did not start" && tail -n 5 "$C/nginx.err" "$WORK/logs/nginx.log" 2>/dev/null | sed 's/^/        /'
  exit 0
fi

# --- the runs -------------------------------------------------------------------------------------
{
  printf '[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\nca_file = "%s/root.pem"\n\n' "$C"
  for name in "${NAMES[@]}"; do
    printf '[[targets]]\nname = "%s"\nhost = "localhost"\nconnect = "127.0.0.1:%s"\n\n' "$name" "${PORTS[$name]}"
  done
} >"$WORK/nginx.toml"
# codes RUN TARGET: the target's finding codes, sorted, without single-target-failing ("-": none).
codes() {
  json_get "$WORK/$1.json" "' '.join(sorted(f['code'] for f in d['findings']
    if f['target'] == '$2' and f['code'] != 'single-target-failing')) or '-'"
}
yields() {
  local got
  got=$(codes "$1" "$2")
  [[ $got == "$3" ]] && return 0
  note "$2: got [$got], want [$3]; tls: $(json_get "$WORK/$1.json" \
    "[t['tls'] for t in d['targets'] if t['name'] == '$2']" 2>&1 | head -c 1500)"
  return 1
}
# A plain HTTP server answers and closes at once: which attempt reads its answer is a race, so
# three runs, each of which must say not-tls.
for run in 1 2 3; do
  timeout 60 "$BIN" --once --json -c "$WORK/nginx.toml" >"$WORK/nginx-$run.json" 2>"$WORK/nginx-$run.err"
  note "run $run: exit $?; $(json_get "$WORK/nginx-$run.json" \
    '"; ".join("%s: %s" % (t["name"], " ".join(f["code"] for f in d["findings"] if f["target"] == t["name"]) or "-") for t in d["targets"])' 2>&1)"
  check "run $run: plain: not-tls" yields "nginx-$run" plain not-tls
done
for name in "${NAMES[@]}"; do
  [[ $name == plain ]] && continue
  check "$name: ${EXPECT[$name]}" yields nginx-1 "$name" "${EXPECT[$name]}"
done
check "mtls-tls12: the finding quotes nginx's 400 and names the client CA" test "$(json_get "$WORK/nginx-1.json" \
  "any('400 Bad Request' in ' '.join(f['evidence']) and 'CN=Nginx Interop Client CA' in ' '.join(f['evidence']) for f in d['findings'] if f['code'] == 'client-cert-required' and f['target'] == 'mtls-tls12')")" = true
check "mtls-tls13: the handshake completed under TLSv1.3" test "$(json_get "$WORK/nginx-1.json" \
  "[t['tls']['version'] for t in d['targets'] if t['name'] == 'mtls-tls13'][0]")" = TLSv1.3

# --- one HTTPS server never decides the time (issue 12) -----------------------------------------
# NTP silent (no servers configured). "late" is nginx under `faketime -f -30d` whose certificate
# expired ten days ago: its Date header alone would say this clock is a month ahead and the
# certificate fine. Alone it must be cert-expired, the clock source none; beside two more
# servers whose Date headers disagree with it and with each other (real time, +2 h), the same.
q faketime -f -300d openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial \
  -days 290 -extfile leaf.ext -out expired.pem
# dated_nginx NAME FAKETIME CERT: one nginx on a free port, its clock shifted; sets PORT.
dated_nginx() {
  local name=$1 shift_by=$2 cert=$3
  PORT=$(free_port tcp)
  mkdir -p "$C/$name"
  cat >"$C/$name/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $C/$name/nginx.pid;
error_log $C/$name/nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $C/$cert;
    ssl_certificate_key $C/leaf.key;
    location / { return 200 "ok\n"; }
  }
}
EOF
  if [[ -n $shift_by ]]; then
    spawn "nginx-$name" faketime -f "$shift_by" nginx -c "$C/$name/nginx.conf" -p "$C/$name"
  else
    spawn "nginx-$name" nginx -c "$C/$name/nginx.conf" -p "$C/$name"
  fi
  wait_for 10 port_open "$PORT" || { fail "nginx $name did not start" && return 1; }
}
dated_nginx late -30d expired.pem && LATE=$PORT
dated_nginx now "" leaf.pem && NOW=$PORT
dated_nginx ahead +2h leaf.pem && AHEAD=$PORT
dated_config() { # NAME:PORT...
  printf '[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\nca_file = "%s/root.pem"\n\n' "$C"
  local t
  for t in "$@"; do
    printf '[[targets]]\nname = "%s"\nhost = "localhost"\nconnect = "127.0.0.1:%s"\n\n' "${t%%:*}" "${t##*:}"
  done
}
clock_source() { [[ $(json_get "$WORK/$1.json" "d['clock']['source']") == "$2" ]]; }
no_clock_finding() { [[ $(json_get "$WORK/$1.json" "any(f['code'] in ('clock-skew', 'clock-drift') for f in d['findings'])") == false ]]; }
if [[ -n ${LATE:-} && -n ${NOW:-} && -n ${AHEAD:-} ]]; then
  dated_config "late:$LATE" >"$WORK/one-date.toml"
  dated_config "late:$LATE" "now:$NOW" "ahead:$AHEAD" >"$WORK/three-dates.toml"
  for run in one-date three-dates; do
    timeout 60 "$BIN" --once --json -c "$WORK/$run.toml" >"$WORK/$run.json" 2>"$WORK/$run.err"
    note "$run: exit $?; clock $(json_get "$WORK/$run.json" "d['clock']['source']"); $(json_get "$WORK/$run.json" \
      '"; ".join("%s: %s" % (t["name"], " ".join(f["code"] for f in d["findings"] if f["target"] == t["name"]) or "-") for t in d["targets"])' 2>&1)"
    check "$run: late: cert-expired" yields "$run" late cert-expired
    check "$run: no clock source, no clock finding" eval "clock_source $run none && no_clock_finding $run"
  done
  timeout 60 "$BIN" --once -c "$WORK/one-date.toml" >"$WORK/one-date.txt" 2>&1
  check "one-date: the text report says why there is no consensus" \
    grep -q "the Date headers of 1 HTTPS server(s) do not settle the time" "$WORK/one-date.txt"
fi
