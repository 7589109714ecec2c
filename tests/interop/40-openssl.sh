#!/bin/sh
# Interop: the TLS probe and its diagnosis against `openssl s_server`, with certificates made
# by the openssl CLI (expired and not-yet-valid ones signed under faketime). Every server
# listens on 127.0.0.1 only and is killed on exit; every wait is bounded.
#
# The CLI does not run TLS checks yet, so this drives examples/tlsprobe.rs, which prints the
# finding codes of one target. Set TLSPROBE to a built probe to skip the build.
# Works standalone (sh tests/interop/40-openssl.sh) or from run.sh (WORK is then set).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
own_tmp=
if [ -z "${WORK:-}" ]; then
    own_tmp=$(mktemp -d)
fi
work=${WORK:-$own_tmp}/40-openssl
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1

failures=0
pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1: $2"
    failures=$((failures + 1))
}

if ! command -v openssl >/dev/null 2>&1; then
    echo "SKIP 40-openssl: openssl is not installed (apt-get install openssl)"
    exit 0
fi
have_faketime=no
command -v faketime >/dev/null 2>&1 && have_faketime=yes

if [ -z "${TLSPROBE:-}" ]; then
    echo "building examples/tlsprobe (release)"
    if ! (cd "$root" && cargo build --quiet --release --example tlsprobe); then
        echo "FAIL 40-openssl: cannot build examples/tlsprobe"
        exit 1
    fi
    TLSPROBE=${CARGO_TARGET_DIR:-$root/target}/release/examples/tlsprobe
fi

server_pids=""
cleanup() {
    for p in $server_pids; do
        kill "$p" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- certificates ------------------------------------------------------------------------

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
cat >cnonly.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF

q() { "$@" >>openssl.log 2>&1 || { echo "openssl failed: $*" >&2; exit 1; }; }

# mkroot NAME CN: a self-signed root CA.
mkroot() {
    q openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
    q openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -out "$1.pem"
}

# mkcert NAME CN ISSUER EXT DAYS [FAKETIME-OFFSET] [KEYSPEC] [DIGEST]: a certificate signed by ISSUER.
mkcert() {
    name=$1 cn=$2 issuer=$3 ext=$4 days=$5 shift_by=${6:-} keyspec=${7:-ec} digest=${8:-sha256}
    if [ "$keyspec" = ec ]; then
        q openssl ecparam -name prime256v1 -genkey -noout -out "$name.key"
    else
        q openssl genrsa -out "$name.key" "$keyspec"
    fi
    q openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
    set -- openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
        -CAcreateserial -"$digest" -days "$days" -extfile "$ext.ext" -out "$name.pem"
    if [ -n "$shift_by" ]; then
        q faketime -f "$shift_by" "$@"
    else
        q "$@"
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
if [ $have_faketime = yes ]; then
    mkcert expired localhost inter leaf 30 -400d
    mkcert future localhost inter leaf 365 +30d
fi
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
    -out self.pem -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost
cat root.pem >cafile.pem

# ---- servers -----------------------------------------------------------------------------

base=$((20000 + $$ % 20000))
# serve NAME ARGS...: starts s_server on a free loopback port; sets PORT_<NAME>.
serve() {
    name=$1
    shift
    tries=0
    while [ $tries -lt 20 ]; do
        port=$((base + ${next_port:-0}))
        next_port=$((${next_port:-0} + 1))
        tries=$((tries + 1))
        openssl s_server -accept "127.0.0.1:$port" -www "$@" </dev/null >"$name.server.log" 2>&1 &
        pid=$!
        waited=0
        while [ $waited -lt 50 ]; do
            if grep -q '^ACCEPT' "$name.server.log" 2>/dev/null; then
                server_pids="$server_pids $pid"
                eval "PORT_$(echo "$name" | tr - _)=$port"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
            waited=$((waited + 1))
        done
        kill "$pid" 2>/dev/null
    done
    echo "cannot start s_server for $name: $(tail -n 3 "$name.server.log")" >&2
    return 1
}

# Each row: NAME, expected codes (space separated; "-" for none), s_server arguments. The
# probe trusts cafile.pem as its ca_file; with trust=system, through SSL_CERT_FILE instead.
rows="$work/rows"
: >"$rows"
trust=ca_file
row() {
    name=$1 expect=$2
    shift 2
    if serve "$name" "$@"; then
        echo "$name $trust $expect" >>"$rows"
    else
        fail "$name" "s_server did not start"
    fi
}

row good - -cert good.pem -key good.key -cert_chain inter.pem
if [ $have_faketime = yes ]; then
    row expired cert-expired -cert expired.pem -key expired.key -cert_chain inter.pem
    row not-yet-valid cert-not-yet-valid -cert future.pem -key future.key -cert_chain inter.pem
else
    echo "SKIP expired, not-yet-valid: faketime is not installed (apt-get install faketime)"
fi
row wrong-host cert-wrong-host -cert wrong.pem -key wrong.key -cert_chain inter.pem
row cn-only cert-wrong-host -cert cnonly.pem -key cnonly.key -cert_chain inter.pem
row self-signed cert-self-signed -cert self.pem -key self.key
row unknown-ca cert-unknown-issuer -cert unknown.pem -key unknown.key -cert_chain stranger-inter.pem
row missing-intermediate cert-incomplete-chain -cert good.pem -key good.key
row tls12-only - -tls1_2 -cert good.pem -key good.key -cert_chain inter.pem
row tls13-only - -tls1_3 -cert good.pem -key good.key -cert_chain inter.pem
row tls10-only tls-version -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -cert good.pem -key good.key -cert_chain inter.pem
row client-cert-tls12 client-cert-required -tls1_2 -Verify 1 -CAfile clientca.pem \
    -cert good.pem -key good.key -cert_chain inter.pem
row client-cert-tls13 client-cert-required -tls1_3 -Verify 1 -CAfile clientca.pem \
    -cert good.pem -key good.key -cert_chain inter.pem
row sni-fatal tls-alert -servername other.example -servername_fatal \
    -cert good.pem -key good.key -cert_chain inter.pem -cert2 wrong.pem -key2 wrong.key
row no-shared-cipher tls-alert -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA \
    -cert good.pem -key good.key -cert_chain inter.pem
row weak cert-weak -cipher 'DEFAULT:@SECLEVEL=0' -cert weak.pem -key weak.key
# A root only the system store has (as an intercepting product installs it).
trust=system
row system-store-root tls-interception -cert good.pem -key good.key -cert_chain inter.pem

# ---- probes (in parallel: s_server -www never answers HEAD, so good rows wait a timeout) ----

probe_pids=""
while read -r name how expect; do
    port=$(eval "echo \$PORT_$(echo "$name" | tr - _)")
    if [ "$how" = system ]; then
        SSL_CERT_FILE=$work/cafile.pem timeout 60 "$TLSPROBE" "localhost:$port" --timeout 2s \
            >"$name.out" 2>"$name.err" &
    else
        timeout 60 "$TLSPROBE" "localhost:$port" --ca-file cafile.pem --no-system --timeout 2s \
            >"$name.out" 2>"$name.err" &
    fi
    probe_pids="$probe_pids $!"
done <"$rows"
for p in $probe_pids; do
    wait "$p"
done

while read -r name how expect; do
    got=$(sort "$name.out" | tr '\n' ' ' | sed 's/ $//')
    [ -n "$got" ] || got=-
    want=$(echo "$expect" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
    if [ "$got" != "$want" ]; then
        fail "$name" "expected [$want], got [$got]; probe said: $(cat "$name.err")"
        continue
    fi
    case $name in
    tls12-only | client-cert-tls12) version=TLSv1.2 ;;
    tls13-only | client-cert-tls13) version=TLSv1.3 ;;
    *) version= ;;
    esac
    if [ -n "$version" ] && [ "$name" != client-cert-tls12 ] && ! grep -q "$version" "$name.err"; then
        fail "$name" "expected $version in: $(head -n 1 "$name.err")"
        continue
    fi
    pass "$name ($got)"
done <"$rows"

if [ $failures -gt 0 ]; then
    echo "40-openssl: $failures failure(s); logs in $work"
    exit 1
fi
echo "40-openssl: all passed"
cleanup
cd / && [ -n "$own_tmp" ] && rm -rf "$own_tmp"
exit 0
