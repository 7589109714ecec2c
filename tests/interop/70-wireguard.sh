#!/usr/bin/env bash
# WireGuard's own handshake against the real wireguard-go (userspace, its TUN device in a
# private network namespace, only lo), configured with `wg`: a client config (`--wg`) whose key
# the server knows gets a handshake response (targets[].vpn ok, no finding); a key it does not
# know gets silence (wireguard-no-handshake); a port where nothing listens is closed
# (wireguard-udp-closed). Nothing is sent to the tunnel's addresses.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if ! unshare -n true 2>/dev/null || [[ ! -c /dev/net/tun ]]; then
  fail "a private network namespace and /dev/net/tun (root) are needed"
  return 0
fi
SETUP_LOG=wireguard-setup
# wireguard-go's control socket lives in /var/run/wireguard, shared with the host: a name of
# this run's own.
DEV="tlsdwg$$"
DEV=${DEV:0:15}
netns wg

C="$WORK/wg"
mkdir -p "$C"
cd "$C" || exit 1
umask 077
for k in server client stranger; do
  wg genkey >"$k.key" && wg pubkey <"$k.key" >"$k.pub" || { fail "wg genkey" && return 0; }
done

PORT=51999
CLOSED=51998
# wireguard-go refuses to run on Linux without this (it prefers the kernel module).
spawn wireguard-go ip netns exec "$NS" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
  wireguard-go -f "$DEV"
on_exit "rm -f '/var/run/wireguard/$DEV.sock'"
dev_made() { in_ns ip link show "$DEV" >/dev/null 2>&1; }
if ! wait_for 10 dev_made; then
  fail "wireguard-go made no $DEV within 10 s; its log:" && sed 's/^/        /' "$WORK/logs/wireguard-go.log" | tail -10
  return 0
fi
q in_ns wg set "$DEV" listen-port "$PORT" private-key server.key \
  peer "$(cat client.pub)" allowed-ips 10.77.0.2/32
q in_ns ip link set "$DEV" up
note "$(wireguard-go --version 2>&1 | head -1) on 127.0.0.1:$PORT in $NS"

# conf NAME KEY PORT: a wg-quick client config.
conf() {
  printf '[Interface]\nPrivateKey = %s\nAddress = 10.77.0.2/32\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.77.0.0/24\nEndpoint = 127.0.0.1:%s\n' \
    "$(cat "$2.key")" "$(cat server.pub)" "$3" >"$1.conf"
}
conf known client "$PORT"
conf unknown stranger "$PORT"
conf closed client "$CLOSED"
printf 'targets = []\n\n[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\n' >empty.toml

# Stand-ins for a NordVPN install under systemd (neither runs here): `systemctl is-active`
# says nordvpnd is active, `nordvpn` prints its version and status as the real CLI does.
mkdir -p standin
cat >standin/systemctl <<'EOS'
#!/bin/sh
case "$1 $2" in
  "is-active nordvpnd") echo active ;;
  "is-active "*) echo inactive; exit 3 ;;
  *) echo "stand-in systemctl: $*" ;;
esac
EOS
cat >standin/nordvpn <<'EOS'
#!/bin/sh
case "$1" in
  --version) echo "NordVPN Version 3.19.0" ;;
  status) printf '\r-\r  \r\r-\r  \rStatus: Disconnected\n' ;;
esac
EOS
chmod +x standin/systemctl standin/nordvpn

# run NAME: `--once --json --wg NAME.conf` in the namespace; the report in NAME.json, the exit
# status in RC.
run() {
  timeout 60 ip netns exec "$NS" env PATH="$C/standin:$PATH" "$BIN" --once --json -c empty.toml \
    --wg "$1.conf" >"$1.json" 2>"$1.err"
  RC=$?
  note "$1: exit $RC; vpn $(json_get "$1.json" 'd["targets"][0]["vpn"]' 2>&1); findings: $(json_get "$1.json" \
    '" ".join(f["code"] for f in d["findings"]) or "none"' 2>&1)"
  [[ -s $1.err ]] && note "$1: stderr: $(head -c 300 "$1.err")"
  return 0
}
codes() { json_get "$1.json" '" ".join(f["code"] for f in d["findings"])'; }
vpn() { json_get "$1.json" "d['targets'][0]['vpn']['$2']"; }

run known
check "a key the server knows: vpn.status ok" test "$(vpn known status)" = ok
check "a key the server knows: vpn.protocol wireguard, port $PORT" test "$(vpn known protocol) $(vpn known port)" = "wireguard $PORT"
# Nothing is wrong and the VPN's own handshake works: the app is what is left (info, exit 0).
check "a key the server knows: only app-suspect (info), exit 0 (exit $RC)" test "$(codes known)/$RC" = app-suspect/0
check "app-suspect offers to restart the service first: systemctl restart nordvpnd" test "$(json_get known.json \
  "[x['command'] for f in d['findings'] for x in f['fixes'] if x['key'] == 's'][0]")" = '["systemctl", "restart", "nordvpnd"]'
check "the machine check saw nordvpnd active" test "$(json_get known.json "d['machine']['services']")" = \
  '[{"unit": "nordvpnd", "state": "active"}]'
check "nordvpn status, read-only, cleaned of its spinner" test "$(json_get known.json "d['machine']['nordvpn_status']")" = "Status: Disconnected"
# The server counts the 148-byte initiation in and its 92-byte response out.
check "the server answered our initiation (wg show: bytes in and out)" \
  bash -c "ip netns exec '$NS' wg show '$DEV' transfer | awk '{ exit !(\$2 >= 148 && \$3 >= 92) }'"
check "the private key is in no output" bash -c "! grep -qF '$(cat client.key)' known.json known.err"

run unknown
check "a key the server does not know: wireguard-no-handshake" test "$(codes unknown)" = wireguard-no-handshake
check "a key the server does not know: vpn.status failed" test "$(vpn unknown status)" = failed
check "a key the server does not know: exit 2 (exit $RC)" test "$RC" = 2

run closed
check "nothing on the port: wireguard-udp-closed" test "$(codes closed)" = wireguard-udp-closed
check "nothing on the port: vpn.status failed" test "$(vpn closed status)" = failed

printf '[Interface]\nPrivateKey = not-a-key\n' >bad.conf
timeout 10 "$BIN" --once -c empty.toml --wg bad.conf >/dev/null 2>bad.err
rc=$?
check "a bad config: exit 3 (exit $rc)" test "$rc" = 3
check "a bad config: the message names the file and line, not the value" \
  bash -c "grep -q 'bad.conf line 2' bad.err && ! grep -q not-a-key bad.err"
