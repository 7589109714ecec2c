#!/usr/bin/env bash
# The OpenVPN probes against the real OpenVPN server (`openvpn --dev null --tls-server`, no
# tun device), on loopback, over UDP and TCP: plain, with `--tls-auth ta.key 0` (and once with
# `--auth SHA256`) and with `--tls-crypt`, through the real binary (`--once --json`). Without
# the key the UDP probe gets open-or-filtered; with the key, from a config file (`tls_auth` +
# `key_direction`) and from an `.ovpn` profile given to `--ovpn` (inline and as a file), it
# gets open, over UDP and TCP.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

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
# tlsdoctor NAME ARGS...: `--once --json` with ARGS; the report lands in $WORK/NAME.json, the
# exit status in $ONCE_RC. Shows one line per probe and the findings.
tlsdoctor() {
  local name=$1
  shift
  timeout 60 "$BIN" --once --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err"
  ONCE_RC=$?
  json_get "$WORK/$name.json" '"\n".join("%s\t%s:%s\t%s\t%s\t%s" % (t["name"], r["probe"],
    r["port"], r["status"], "openvpn" if r.get("openvpn") else "-", r.get("detail", ""))
    for t in d["targets"] for r in t["reach"])' 2>&1 | sed 's/^/        /'
  note "$name: exit $ONCE_RC, findings: $(json_get "$WORK/$name.json" \
    '", ".join("%s@%s" % (f["code"], f["target"] or "*") for f in d["findings"]) or "none"' 2>&1)"
  [[ -s $WORK/$name.err ]] && note "$name: stderr: $(head -c 500 "$WORK/$name.err")"
  return 0
}
# is NAME TARGET PROBE WANT: in run NAME, PROBE ("openvpn-udp:PORT") of TARGET got WANT
# ("status/openvpn", or "status/-" when no OpenVPN server answered).
is() {
  local got
  got=$(json_get "$WORK/$1.json" "' '.join('%s/%s' % (r['status'], 'openvpn' if r.get('openvpn') else '-')
    for t in d['targets'] if t['name'] == '$2'
    for r in t['reach'] if '%s:%s' % (r['probe'], r['port']) == '$3')")
  [[ $got == "$4" ]] || { note "$2 $3: got ${got:-nothing}, want $4" && return 1; }
}
# No NTP servers and no captive-portal check: nothing but these targets, nothing off loopback.
config_head() {
  printf '[clock]\nservers = []\n\n[network]\ntimeout = "3s"\ncaptive_url = ""\n\n'
}
toml_target() {
  printf '[[targets]]\nname = "%s"\nhost = "127.0.0.1"\nprobes = [%s]\n%s\n' "$1" "$2" "${3:-}"
}

{
  config_head
  toml_target plain "\"openvpn-udp:$P_UDP\", \"openvpn-tcp:$P_TCP\""
  toml_target nokey "\"openvpn-udp:$A_UDP\", \"openvpn-tcp:$A_TCP\", \"openvpn-udp:$C_UDP\""
} >"$WORK/nokey.toml"
tlsdoctor nokey -c "$WORK/nokey.toml"
check "plain server over UDP: open, OpenVPN answers" is nokey plain "openvpn-udp:$P_UDP" open/openvpn
check "plain server over TCP: open, OpenVPN answers" is nokey plain "openvpn-tcp:$P_TCP" open/openvpn
check "tls-auth server over UDP without the key: open-or-filtered" is nokey nokey "openvpn-udp:$A_UDP" open-or-filtered/-
check "tls-auth server over TCP without the key: hangs up (other)" is nokey nokey "openvpn-tcp:$A_TCP" other/-
check "tls-crypt server over UDP without the key: open-or-filtered" is nokey nokey "openvpn-udp:$C_UDP" open-or-filtered/-
check "the server logged our unsigned reset as a bad HMAC" grep -q "cannot locate HMAC" "$WORK/logs/auth-udp.log"
no_target_finding() {
  [[ $(json_get "$WORK/$1.json" "not any(f['target'] for f in d['findings'])") == true ]]
}
check "without the key: silence and hang-ups are no finding" no_target_finding nokey

wait_for 10 listening auth-tcp 2 || note "auth-tcp did not restart within 10 s"
{
  config_head
  toml_target key "\"openvpn-udp:$A_UDP\", \"openvpn-tcp:$A_TCP\"" \
    "tls_auth = \"$K/ta.key\"
key_direction = 1"
  toml_target wrongdir "\"openvpn-udp:$A_UDP\"" "tls_auth = \"$K/ta.key\"
key_direction = 0"
} >"$WORK/key.toml"
tlsdoctor key -c "$WORK/key.toml"
check "tls-auth key from the config, UDP: open, OpenVPN answers" is key key "openvpn-udp:$A_UDP" open/openvpn
check "tls-auth key from the config, TCP: open, OpenVPN answers" is key key "openvpn-tcp:$A_TCP" open/openvpn
check "tls-auth key with the wrong key_direction: open-or-filtered" is key wrongdir "openvpn-udp:$A_UDP" open-or-filtered/-

wait_for 10 listening auth-tcp 3 || note "auth-tcp did not restart within 10 s"
{
  echo 'targets = []'
  config_head
} >"$WORK/empty.toml"
printf 'client\ndev tun\nproto udp\nremote 127.0.0.1 %s\nkey-direction 1\n<tls-auth>\n%s\n</tls-auth>\n' \
  "$A_UDP" "$(cat "$K/ta.key")" >"$WORK/inline.ovpn"
cp "$K/ta.key" "$WORK/ta.key"
printf 'client\nremote 127.0.0.1 %s tcp-client\ntls-auth ta.key 1\n' "$A_TCP" >"$WORK/file.ovpn"
printf 'client\nremote 127.0.0.1 %s udp\nauth SHA256\ntls-auth ta.key 1\n' "$S_UDP" >"$WORK/sha256.ovpn"
printf 'client\nremote 127.0.0.1 %s\n<tls-crypt>\n%s\n</tls-crypt>\n' "$C_UDP" "$(cat "$K/ta.key")" >"$WORK/crypt.ovpn"
tlsdoctor ovpn -c "$WORK/empty.toml" --timeout 3s --ovpn "$WORK/inline.ovpn" --ovpn "$WORK/file.ovpn" \
  --ovpn "$WORK/sha256.ovpn" --ovpn "$WORK/crypt.ovpn"
check ".ovpn with an inline <tls-auth>, UDP: open, OpenVPN answers" is ovpn inline "openvpn-udp:$A_UDP" open/openvpn
check ".ovpn with tls-auth ta.key 1, TCP: open, OpenVPN answers" is ovpn file "openvpn-tcp:$A_TCP" open/openvpn
check ".ovpn with auth SHA256: open, OpenVPN answers" is ovpn sha256 "openvpn-udp:$S_UDP" open/openvpn
check ".ovpn with an inline <tls-crypt>: open, OpenVPN answers" is ovpn crypt "openvpn-udp:$C_UDP" open/openvpn
check "every profile answered: no finding" no_target_finding ovpn

# NordLynx silent where the real OpenVPN answers: a UDP sink stands for a WireGuard port that
# never answers a stranger.
W_UDP=$(free_port udp)
spawn wg-sink "$PYTHON" -c "import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $W_UDP))
print('bound', flush=True)
time.sleep(120)"
wait_for 5 grep -q bound "$WORK/logs/wg-sink.log" || note "the UDP sink did not bind within 5 s"
{
  config_head
  toml_target nordlynx "\"openvpn-udp:$P_UDP\", \"wireguard:$W_UDP\""
} >"$WORK/nordlynx.toml"
tlsdoctor nordlynx -c "$WORK/nordlynx.toml"
check "NordLynx silent, OpenVPN UDP answers: open, OpenVPN answers" is nordlynx nordlynx "openvpn-udp:$P_UDP" open/openvpn
check "NordLynx silent: open-or-filtered" is nordlynx nordlynx "wireguard:$W_UDP" open-or-filtered/-
check "NordLynx silent where OpenVPN answers: nordlynx-unproven, alone" test "$(json_get "$WORK/nordlynx.json" \
  "' '.join(f['code'] for f in d['findings'])")" = nordlynx-unproven
check "nordlynx-unproven is a warning: exit 1 (exit $ONCE_RC)" test "$ONCE_RC" = 1
