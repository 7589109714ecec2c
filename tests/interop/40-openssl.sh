#!/usr/bin/env bash
# The TLS checks against `openssl s_server`, through the real binary (`--once --json`), with
# certificates made by the openssl CLI (expired and not-yet-valid ones signed under faketime):
# each server must yield exactly its finding code. Every server listens on 127.0.0.1 only.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

C="$WORK/openssl"
mkdir -p "$C"
cd "$C" || exit 1

# --- certificates -----------------------------------------------------------------------------
cat >ca.ext <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
EOF
cat >leaf.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF
cat >other.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:other.example,DNS:www.other.example
EOF
for host in intranet.example.com www.mozilla.org; do
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\n' "$host" >"$host.ext"
done
cat >cnonly.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF

SETUP_LOG=openssl-certs

# mkroot NAME CN: a self-signed root CA.
mkroot() {
  q openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  q openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$1.pem"
}

# mkcert NAME CN ISSUER EXT DAYS [FAKETIME-OFFSET] [KEYSPEC] [DIGEST]: a certificate signed by ISSUER.
mkcert() {
  local name=$1 cn=$2 issuer=$3 ext=$4 days=$5 shift_by=${6:-} keyspec=${7:-ec} digest=${8:-sha256}
  if [[ $keyspec == ec ]]; then
    q openssl ecparam -name prime256v1 -genkey -noout -out "$name.key"
  else
    q openssl genrsa -out "$name.key" "$keyspec"
  fi
  q openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  local sign=(openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key"
    -CAcreateserial -"$digest" -days "$days" -extfile "$ext.ext" -out "$name.pem")
  if [[ -n $shift_by ]]; then
    q faketime -f "$shift_by" "${sign[@]}"
  else
    q "${sign[@]}"
  fi
}

mkroot root "Interop Root CA"
mkcert inter "Interop Intermediate CA" root ca 3650
mkroot stranger "Stranger Root CA"
mkcert stranger-inter "Stranger Intermediate CA" stranger ca 3650
mkroot clientca "Interop Client CA"
mkcert good localhost inter leaf 365
mkcert wrong localhost inter other 365
mkcert cnonly localhost inter cnonly 365
mkcert unknown localhost stranger-inter leaf 365
mkcert weak localhost root leaf 365 "" 1024 sha1
mkcert expired localhost inter leaf 30 -400d
mkcert future localhost inter leaf 365 +30d
mkcert public intranet.example.com inter intranet.example.com 365
mkcert witness www.mozilla.org inter www.mozilla.org 365
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
  -out self.pem -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost
cp root.pem cafile.pem
# The root cross-signed by an older root (its own name and key), expired: what many servers
# sent after AddTrust expired. Beside leaf and intermediate, the valid path ends at root.pem.
mkroot oldroot "Interop Old Root"
q openssl req -new -key root.key -subj "/CN=Interop Root CA" -out cross.csr
q faketime -f -400d openssl x509 -req -in cross.csr -CA oldroot.pem -CAkey oldroot.key \
  -CAcreateserial -sha256 -days 30 -extfile ca.ext -out cross.pem
cat inter.pem cross.pem >inter-cross.pem

# --- servers ----------------------------------------------------------------------------------
# serve NAME ARGS...: `openssl s_server -www ARGS` on a free loopback port, ready to accept;
# sets PORT. A second try on another port covers a port taken between free_port and the bind.
serve() {
  local name=$1 try
  shift
  for try in 1 2; do
    PORT=$(free_port tcp) || return 1
    spawn "s_server-$name" openssl s_server -accept "127.0.0.1:$PORT" -www "$@"
    wait_for 5 grep -q '^ACCEPT' "$WORK/logs/s_server-$name.log" && return 0
    kill -KILL -- "-$SPAWNED" 2>/dev/null
  done
  note "s_server $name did not start; its log:" && tail -n 3 "$WORK/logs/s_server-$name.log" | sed 's/^/        /'
  return 1
}

# row NAME EXPECT ARGS...: a server, and the codes its target must yield ("-": none) beside
# single-target-failing. Its target trusts cafile.pem as the config's ca_file.
NAMES=()
declare -A EXPECT PORTS
row() {
  local name=$1 expect=$2
  shift 2
  if serve "$name" "$@"; then
    NAMES+=("$name")
    EXPECT[$name]=$expect
    PORTS[$name]=$PORT
  else
    fail "$name: s_server did not start"
  fi
}

chain=(-cert good.pem -key good.key -cert_chain inter.pem)
row good - "${chain[@]}"
row expired cert-expired -cert expired.pem -key expired.key -cert_chain inter.pem
row not-yet-valid cert-not-yet-valid -cert future.pem -key future.key -cert_chain inter.pem
row wrong-host cert-wrong-host -cert wrong.pem -key wrong.key -cert_chain inter.pem
row cn-only cert-wrong-host -cert cnonly.pem -key cnonly.key -cert_chain inter.pem
row self-signed cert-self-signed -cert self.pem -key self.key
row unknown-ca cert-unknown-issuer -cert unknown.pem -key unknown.key -cert_chain stranger-inter.pem
row missing-intermediate cert-incomplete-chain -cert good.pem -key good.key
row expired-cross cert-chain-extra -cert good.pem -key good.key -cert_chain inter-cross.pem
row tls12-only - -tls1_2 "${chain[@]}"
row tls13-only - -tls1_3 "${chain[@]}"
row tls10-only tls-version -tls1 -cipher 'DEFAULT:@SECLEVEL=0' "${chain[@]}"
row client-cert-tls12 client-cert-required -tls1_2 -Verify 1 -CAfile clientca.pem "${chain[@]}"
row client-cert-tls13 client-cert-required -tls1_3 -Verify 1 -CAfile clientca.pem "${chain[@]}"
row sni-fatal tls-alert -servername other.example -servername_fatal "${chain[@]}" \
  -cert2 wrong.pem -key2 wrong.key
# A name it does not serve: under TLS 1.2 s_server warns unrecognized_name before its
# ServerHello and goes on; the warning is not taken as the answer (issue 12).
row sni-warning - -tls1_2 -servername other.example "${chain[@]}" -cert2 wrong.pem -key2 wrong.key
row no-shared-cipher tls-alert -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA "${chain[@]}"
# webpki refuses the SHA-1 signature and the RSA-1024 key: an error, not only a warning.
row weak cert-weak -cipher 'DEFAULT:@SECLEVEL=0' -cert weak.pem -key weak.key
# A root that only the system store has (SSL_CERT_FILE, no ca_file), in its own run: signing
# localhost (an internal name) it is a private CA; signing a public name, interception or the
# organisation's own CA (a warning that says both); re-signing a host that is public everywhere,
# interception.
serve system-store-root "${chain[@]}" && SYSTEM_PORT=$PORT
serve system-public-name -cert public.pem -key public.key -cert_chain inter.pem && PUBLIC_PORT=$PORT
serve system-witness -cert witness.pem -key witness.key -cert_chain inter.pem && WITNESS_PORT=$PORT

# --- the runs ---------------------------------------------------------------------------------
# No NTP servers and no captive-portal check: nothing but these targets, nothing off loopback.
config_head() {
  printf '[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\n%s\n' "${1:-}"
}
target() {
  printf '[[targets]]\nname = "%s"\nhost = "localhost"\nconnect = "127.0.0.1:%s"\n\n' "$1" "$2"
}
# tlsdoctor NAME ENV...: `--once --json -c $WORK/NAME.toml` under `env ENV...`; the report
# lands in $WORK/NAME.json. Shows each target's codes.
tlsdoctor() {
  local name=$1
  shift
  timeout 60 env "$@" "$BIN" --once --json -c "$WORK/$name.toml" >"$WORK/$name.json" 2>"$WORK/$name.err"
  ONCE_RC=$?
  note "$name: exit $ONCE_RC; $(json_get "$WORK/$name.json" \
    '"; ".join("%s: %s" % (t["name"], " ".join(f["code"] for f in d["findings"] if f["target"] == t["name"]) or "-") for t in d["targets"])' 2>&1)"
  [[ -s $WORK/$name.err ]] && note "$name: stderr: $(head -c 500 "$WORK/$name.err")"
  return 0
}
# codes RUN TARGET: the target's finding codes, sorted, without single-target-failing ("-": none).
codes() {
  json_get "$WORK/$1.json" "' '.join(sorted(f['code'] for f in d['findings']
    if f['target'] == '$2' and f['code'] != 'single-target-failing')) or '-'"
}
# yields RUN TARGET WANT: the target's codes are WANT; otherwise shows what the probe saw.
yields() {
  local got
  got=$(codes "$1" "$2")
  [[ $got == "$3" ]] && return 0
  note "$2: got [$got], want [$3]; tls: $(json_get "$WORK/$1.json" \
    "[(t['tls']['error'], t['tls']['variants']) for t in d['targets'] if t['name'] == '$2']" 2>&1)"
  return 1
}
# version RUN TARGET WANT: the negotiated protocol version.
version() {
  [[ $(json_get "$WORK/$1.json" "[t['tls']['version'] for t in d['targets'] if t['name'] == '$2'][0]") == "$3" ]]
}

{
  config_head "ca_file = \"$C/cafile.pem\""
  for name in "${NAMES[@]}"; do target "$name" "${PORTS[$name]}"; done
} >"$WORK/ca_file.toml"
# The machine's own system store (no interop root in it), as a user has it.
tlsdoctor ca_file -u SSL_CERT_FILE -u SSL_CERT_DIR
for name in "${NAMES[@]}"; do
  check "$name: ${EXPECT[$name]}" yields ca_file "$name" "${EXPECT[$name]}"
done
# single-target-failing is for a few failing servers among working ones; here most fail, so
# each failure speaks for itself and none of them gets it.
single_target_failing_where_due() {
  local failing=0 working=0 name got want=""
  for name in "${NAMES[@]}"; do
    if [[ ${EXPECT[$name]} != - ]]; then failing=$((failing + 1)); else working=$((working + 1)); fi
  done
  if ((failing == 1 || failing < working)); then
    for name in "${NAMES[@]}"; do [[ ${EXPECT[$name]} != - ]] && want+="$name "; done
  fi
  got=$(json_get "$WORK/ca_file.json" \
    "' '.join(t['name'] for t in d['targets'] if any(f['code'] == 'single-target-failing' and f['target'] == t['name'] for f in d['findings']))")
  want=${want% }
  [[ $got == "$want" ]] || { note "single-target-failing on [$got], want [$want] ($failing failing, $working working)" && return 1; }
}
check "single-target-failing only while the failing servers are fewer" single_target_failing_where_due
check "tls12-only negotiates TLSv1.2" version ca_file tls12-only TLSv1.2
check "tls13-only negotiates TLSv1.3" version ca_file tls13-only TLSv1.3
check "client-cert-tls13: the handshake completes (TLSv1.3), the alert comes after" \
  version ca_file client-cert-tls13 TLSv1.3
check "expired-cross: the chain as sent holds the cross-certificate, the verdict trusts it" test \
  "$(json_get "$WORK/ca_file.json" "[(len(t['tls']['chain']), any(f['code'] in ('cert-expired', 'clock-skew') for f in d['findings'] if f['target'] == 'expired-cross')) for t in d['targets'] if t['name'] == 'expired-cross'][0]")" = "[3, false]"
check "the good server's chain as sent: leaf and intermediate" test \
  "$(json_get "$WORK/ca_file.json" "[len(t['tls']['chain']) for t in d['targets'] if t['name'] == 'good'][0]")" = 2
check "--once --json with error findings: exit 2 (exit $ONCE_RC)" test "$ONCE_RC" = 2

if [[ -n ${SYSTEM_PORT:-} && -n ${PUBLIC_PORT:-} && -n ${WITNESS_PORT:-} ]]; then
  {
    config_head
    target system-store-root "$SYSTEM_PORT"
    printf '[[targets]]\nname = "%s"\nhost = "%s"\nconnect = "127.0.0.1:%s"\n\n' \
      system-public-name intranet.example.com "$PUBLIC_PORT" system-witness www.mozilla.org "$WITNESS_PORT"
  } >"$WORK/system.toml"
  tlsdoctor system -u SSL_CERT_DIR SSL_CERT_FILE="$C/cafile.pem"
  check "system-store-root (localhost): private-ca" yields system system-store-root private-ca
  check "system-store-root: the finding names the root" test "$(json_get "$WORK/system.json" \
    "any('Interop Root CA' in ' '.join([f['summary']] + f['evidence']) for f in d['findings'] if f['code'] == 'private-ca')")" = true
  # severity_says TARGET: the tls-interception finding's severity and whether it states interception.
  severity_says() {
    json_get "$WORK/system.json" "[(f['severity'], f['summary'].endswith(': TLS is intercepted')) for f in d['findings'] if f['code'] == 'tls-interception' and f['target'] == '$1']"
  }
  check "system-public-name: tls-interception" yields system system-public-name tls-interception
  check "system-public-name: a warning with both possibilities, not a fact" \
    test "$(severity_says system-public-name)" = '[["warning", false]]'
  check "system-witness (www.mozilla.org): tls-interception" yields system system-witness tls-interception
  check "system-witness: an error, interception as a fact" \
    test "$(severity_says system-witness)" = '[["error", true]]'
else
  fail "system-store-root: s_server did not start"
fi
