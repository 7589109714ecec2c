#!/usr/bin/env bash
# The OpenVPN probes against the real OpenVPN server (`openvpn --dev null --tls-server`, no
# tun device), on loopback, over UDP and TCP: plain, with `--tls-auth ta.key 0` (and once with
# `--auth SHA256`) and with `--tls-crypt`. Without the key the UDP probe gets open-or-filtered;
# with the key, from a config file (`tls_auth` + `key_direction`) and from an `.ovpn` profile
# (inline and as a file), it gets open. The probes are driven through examples/reachprobe.rs
# until the main binary shows them.
#
# Run by run.sh (BIN, WORK and lib.sh's helpers), or standalone: bash tests/interop/30-openvpn.sh
# (then it brings its own minimal helpers and temp dir). REACHPROBE=path skips the build.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"

if ! declare -F check >/dev/null; then
  # Standalone: the few helpers of lib.sh this script uses.
  set -uo pipefail
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlsdoctor-openvpn.XXXXXX")
  mkdir -p "$WORK/logs"
  PASSED=0 FAILED=0 PIDS=()
  pass() { PASSED=$((PASSED + 1)) && printf 'PASS  %s\n' "$*"; }
  fail() { FAILED=$((FAILED + 1)) && printf 'FAIL  %s\n' "$*"; }
  note() { printf '      %s\n' "$*"; }
  check() { local n=$1 && shift && if "$@"; then pass "$n"; else fail "$n"; fi; }
  wait_for() {
    local secs=$1 && shift
    local deadline=$(($(date +%s%N) + secs * 1000000000))
    while :; do
      "$@" && return 0
      (($(date +%s%N) >= deadline)) && return 1
      sleep 0.1
    done
  }
  spawn() {
    local name=$1 && shift
    setsid "$@" </dev/null >"$WORK/logs/$name.log" 2>&1 &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
  }
  free_port() {
    python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-tcp}"
  }
  standalone_exit() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    echo "$PASSED passed, $FAILED failed"
    [[ -n ${KEEP_WORK:-} ]] && echo "kept $WORK" || rm -rf "$WORK"
    ((FAILED == 0))
  }
  trap 'standalone_exit' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
fi

for tool in openvpn openssl python3; do
  command -v "$tool" >/dev/null || { fail "$tool is not installed (Debian: apt-get install $tool)" && exit 0; }
done

# --- the probe driver ------------------------------------------------------------------------
if [[ -z ${REACHPROBE:-} ]]; then
  profile=debug flag=()
  [[ ${BIN:-} == */target/release/* ]] && profile=release flag=(--release)
  if ! (cd "$ROOT" && cargo build -q "${flag[@]}" --example reachprobe) >"$WORK/logs/build.log" 2>&1; then
    fail "cargo build --example reachprobe" && sed 's/^/        /' "$WORK/logs/build.log" | tail -20
    exit 0
  fi
  REACHPROBE="$ROOT/target/$profile/examples/reachprobe"
fi

# --- keys and certificates -------------------------------------------------------------------
K="$WORK/pki"
mkdir -p "$K"
{
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$K/ca.key" -out "$K/ca.crt" -subj /CN=interop-ca &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$K/server.key" -out "$K/server.csr" -subj /CN=server &&
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >"$K/ext.cnf" &&
    openssl x509 -req -in "$K/server.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" -CAcreateserial \
      -days 2 -out "$K/server.crt" -extfile "$K/ext.cnf" &&
    openvpn --genkey secret "$K/ta.key"
} >"$WORK/logs/pki.log" 2>&1 || { fail "making the certificates and ta.key" && sed 's/^/        /' "$WORK/logs/pki.log" && exit 0; }

# --- the servers -----------------------------------------------------------------------------
# ovpn NAME udp|tcp PORT EXTRA...: a real OpenVPN TLS server on 127.0.0.1:PORT.
ovpn() {
  local name=$1 proto=$2 port=$3
  shift 3
  [[ $proto == tcp ]] && proto=tcp-server
  spawn "$name" openvpn --dev null --tls-server --ca "$K/ca.crt" --cert "$K/server.crt" \
    --key "$K/server.key" --dh none --local 127.0.0.1 --proto "$proto" --port "$port" \
    --verb 3 "$@"
}
# listening NAME [N]: the server's log says it is ready (for TCP: for the N-th time, since a
# point-to-point TCP server restarts after each connection).
listening() {
  local n=${2:-1}
  (($(grep -c -E 'link local \(bound\)|Listening for incoming TCP connection' "$WORK/logs/$1.log" 2>/dev/null) >= n))
}

P_UDP=$(free_port udp) P_TCP=$(free_port tcp)
A_UDP=$(free_port udp) A_TCP=$(free_port tcp)
S_UDP=$(free_port udp) C_UDP=$(free_port udp)
ovpn plain-udp udp "$P_UDP"
ovpn plain-tcp tcp "$P_TCP"
ovpn auth-udp udp "$A_UDP" --tls-auth "$K/ta.key" 0
ovpn auth-tcp tcp "$A_TCP" --tls-auth "$K/ta.key" 0
ovpn sha256-udp udp "$S_UDP" --tls-auth "$K/ta.key" 0 --auth SHA256
ovpn crypt-udp udp "$C_UDP" --tls-crypt "$K/ta.key"
for s in plain-udp plain-tcp auth-udp auth-tcp sha256-udp crypt-udp; do
  if ! wait_for 10 listening "$s"; then
    fail "openvpn $s did not start within 10 s; its log:" && sed 's/^/        /' "$WORK/logs/$s.log" | tail -15
    exit 0
  fi
done
note "openvpn $(openvpn --version | head -1 | cut -d' ' -f2) on udp $P_UDP/$A_UDP/$S_UDP/$C_UDP, tcp $P_TCP/$A_TCP"

# --- the probes ------------------------------------------------------------------------------
# probe NAME ARGS...: runs reachprobe with ARGS; its lines land in $WORK/NAME.out.
probe() {
  local name=$1
  shift
  timeout 30 "$REACHPROBE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  sed 's/^/        /' "$WORK/$name.out" "$WORK/$name.err"
}
# status NAME TARGET PROBE: the status column of that line.
status() {
  awk -F'\t' -v t="$2" -v p="$3" '$1 == t && $2 == p { print $3 "/" $4 }' "$WORK/$1.out"
}
is() {
  local got
  got=$(status "$1" "$2" "$3")
  [[ $got == "$4" ]] || { note "$2 $3: got ${got:-nothing}, want $4" && return 1; }
}
toml_target() {
  printf '[[targets]]\nname = "%s"\nhost = "127.0.0.1"\nprobes = [%s]\n%s\n' "$1" "$2" "${3:-}"
}

{
  printf '[network]\ntimeout = "3s"\n\n'
  toml_target plain "\"openvpn-udp:$P_UDP\", \"openvpn-tcp:$P_TCP\""
  toml_target nokey "\"openvpn-udp:$A_UDP\", \"openvpn-tcp:$A_TCP\", \"openvpn-udp:$C_UDP\""
} >"$WORK/nokey.toml"
probe nokey -c "$WORK/nokey.toml"
check "plain server over UDP: open, OpenVPN answers" is nokey plain "openvpn-udp:$P_UDP" open/openvpn
check "plain server over TCP: open, OpenVPN answers" is nokey plain "openvpn-tcp:$P_TCP" open/openvpn
check "tls-auth server over UDP without the key: open-or-filtered" is nokey nokey "openvpn-udp:$A_UDP" open-or-filtered/-
check "tls-auth server over TCP without the key: hangs up (other)" is nokey nokey "openvpn-tcp:$A_TCP" other/-
check "tls-crypt server over UDP without the key: open-or-filtered" is nokey nokey "openvpn-udp:$C_UDP" open-or-filtered/-
check "the server logged our unsigned reset as a bad HMAC" grep -q "cannot locate HMAC" "$WORK/logs/auth-udp.log"

wait_for 10 listening auth-tcp 2 || note "auth-tcp did not restart within 10 s"
{
  printf '[network]\ntimeout = "3s"\n\n'
  toml_target key "\"openvpn-udp:$A_UDP\", \"openvpn-tcp:$A_TCP\"" \
    "tls_auth = \"$K/ta.key\"
key_direction = 1"
  toml_target wrongdir "\"openvpn-udp:$A_UDP\"" "tls_auth = \"$K/ta.key\"
key_direction = 0"
} >"$WORK/key.toml"
probe key -c "$WORK/key.toml"
check "tls-auth key from the config, UDP: open, OpenVPN answers" is key key "openvpn-udp:$A_UDP" open/openvpn
check "tls-auth key from the config, TCP: open, OpenVPN answers" is key key "openvpn-tcp:$A_TCP" open/openvpn
check "tls-auth key with the wrong key_direction: open-or-filtered" is key wrongdir "openvpn-udp:$A_UDP" open-or-filtered/-

wait_for 10 listening auth-tcp 3 || note "auth-tcp did not restart within 10 s"
echo 'targets = []' >"$WORK/empty.toml"
printf 'client\ndev tun\nproto udp\nremote 127.0.0.1 %s\nkey-direction 1\n<tls-auth>\n%s\n</tls-auth>\n' \
  "$A_UDP" "$(cat "$K/ta.key")" >"$WORK/inline.ovpn"
cp "$K/ta.key" "$WORK/ta.key"
printf 'client\nremote 127.0.0.1 %s tcp-client\ntls-auth ta.key 1\n' "$A_TCP" >"$WORK/file.ovpn"
printf 'client\nremote 127.0.0.1 %s udp\nauth SHA256\ntls-auth ta.key 1\n' "$S_UDP" >"$WORK/sha256.ovpn"
printf 'client\nremote 127.0.0.1 %s\n<tls-crypt>\n%s\n</tls-crypt>\n' "$C_UDP" "$(cat "$K/ta.key")" >"$WORK/crypt.ovpn"
probe ovpn -c "$WORK/empty.toml" --timeout 3s --ovpn "$WORK/inline.ovpn" --ovpn "$WORK/file.ovpn" \
  --ovpn "$WORK/sha256.ovpn" --ovpn "$WORK/crypt.ovpn"
check ".ovpn with an inline <tls-auth>, UDP: open, OpenVPN answers" is ovpn inline "openvpn-udp:$A_UDP" open/openvpn
check ".ovpn with tls-auth ta.key 1, TCP: open, OpenVPN answers" is ovpn file "openvpn-tcp:$A_TCP" open/openvpn
check ".ovpn with auth SHA256: open, OpenVPN answers" is ovpn sha256 "openvpn-udp:$S_UDP" open/openvpn
check ".ovpn with an inline <tls-crypt>: open, OpenVPN answers" is ovpn crypt "openvpn-udp:$C_UDP" open/openvpn
