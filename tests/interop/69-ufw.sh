#!/usr/bin/env bash
# ufw, end to end, kept off the host: ufw runs in a private mount namespace where /etc/ufw and
# /etc/default/ufw are copies in the run's dir (bind mounts), inside a private network
# namespace. A real OpenVPN server listens on UDP in a second namespace, joined by a veth pair
# (ufw accepts all that leaves by lo, so the server cannot be on loopback). `ufw deny out
# PORT/udp` (over iptables-nft, Debian's default) drops the client's packets: `--once --json`
# names ufw's rule ([ 1] PORT/udp DENY OUT Anywhere (out)) and offers `ufw --force delete 1`.
# Then the journey in a real terminal (tmux, 80x24): f, d, the exact command, y, Enter, the
# re-run: the probe open, the finding gone, the rule gone from ufw's own files; q exits 0.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if ! unshare -n true 2>/dev/null || ! unshare -m true 2>/dev/null; then
  fail "private network and mount namespaces (root) are needed"
  return 0
fi
if [[ ! -d /etc/ufw || ! -f /etc/default/ufw ]]; then
  fail "ufw's configuration (/etc/ufw, /etc/default/ufw) is not installed"
  return 0
fi
SETUP_LOG=ufw-setup
HOST_UFW=$(cat /etc/ufw/*.conf /etc/ufw/*.rules /etc/default/ufw | md5sum)
netns ufwsrv
NS_S=$NS
netns ufw
q ip link add tlsd-u0 netns "$NS" type veth peer name tlsd-u1 netns "$NS_S"
q in_ns ip addr add 10.77.0.1/24 dev tlsd-u0
q in_ns ip link set tlsd-u0 up
q ip netns exec "$NS_S" ip addr add 10.77.0.2/24 dev tlsd-u1
q ip netns exec "$NS_S" ip link set tlsd-u1 up
q ip netns exec "$NS_S" ip link set lo up

C="$WORK/ufw"
U="$C/conf"
mkdir -p "$U"
cp -a /etc/ufw "$U/etc"
cp /etc/default/ufw "$U/default"
# ufw applies its sysctl file on enable; some keys are not per namespace: none here.
: >"$U/etc/sysctl.conf"
# in_ufw CMD...: CMD in the client's network namespace, seeing the copies as ufw's files.
in_ufw() {
  unshare -m -- bash -c 'mount --make-rprivate / && mount --bind "$1/etc" /etc/ufw &&
    mount --bind "$1/default" /etc/default/ufw && ns=$2 && shift 2 && exec ip netns exec "$ns" "$@"' \
    _ "$U" "$NS" "$@"
}
cd "$C" || exit 1
PORT=41196
openvpn_in "$NS_S" 10.77.0.2 "$PORT" || return 0
q in_ufw ufw --force enable
q in_ufw ufw deny out "$PORT/udp"
note "ufw: $(in_ufw ufw status numbered | grep -F "$PORT/udp" | head -1 | tr -s ' ')"
check "ufw wrote its rule into the copy" grep -q -- "--dport $PORT" "$U/etc/user.rules"
check "the host's ufw is untouched" test "$(cat /etc/ufw/*.conf /etc/ufw/*.rules /etc/default/ufw | md5sum)" = "$HOST_UFW"

vpn_config ufw.toml 10.77.0.2 "$PORT"

in_ufw timeout 60 "$BIN" --once --json -c ufw.toml >ufw.json 2>ufw.err
rc=$?
note "once: exit $rc; findings: $(json_get ufw.json '" ".join(f["code"] for f in d["findings"])' 2>&1)"
check "the probe is silent under ufw's rule" test "$(json_get ufw.json 'd["targets"][0]["reach"][0]["status"]')" != open
check "machine.firewall says ufw is active" test "$(json_get ufw.json 'd["machine"]["firewall"]["ufw"]["status"]')" = active
check "local-firewall names ufw's rule" test "$(json_get ufw.json \
  "any('ufw\\'s rule [ 1] $PORT/udp DENY OUT Anywhere (out)' in e for f in d['findings'] if f['code'] == 'local-firewall' for e in f['evidence'])")" = true
check "its fix is ufw's delete" test "$(fix_argv ufw.json local-firewall d)" = \
  '["ufw", "--force", "delete", "1"]'

# --- the journey in a real terminal ----------------------------------------------------------
tmux_server
t new-session -d -s T -x 80 -y 24 -c "$C" \
  "unshare -m -- bash -c 'mount --make-rprivate / && mount --bind $U/etc /etc/ufw && mount --bind $U/default /etc/default/ufw && exec ip netns exec $NS env HISTFILE=/dev/null PS1=\"$ \" LANG=C.UTF-8 bash --norc --noprofile'" || {
  fail "tmux starts a session"
  return 0
}
wait_for 5 screen_has '\$' || note "no shell prompt in the pane yet"
ufw_rule_gone() { ! grep -q -- "--dport $PORT" "$U/etc/user.rules"; }
tui_start ufw.toml
to_finding local-firewall "local-firewall|own firewall drops"
fix_journey local-firewall d "ufw --force delete 1" ufw_rule_gone \
  "the rule is gone from ufw's own rules (so no reload brings it back)"

in_ufw timeout 60 "$BIN" --once --json -c ufw.toml >after.json 2>/dev/null
check "after the fix, the OpenVPN probe is open" test "$(json_get after.json 'd["targets"][0]["reach"][0]["status"]')" = open
check "after the fix, no finding" test "$(json_get after.json '" ".join(f["code"] for f in d["findings"])')" = ""
check "the host's ufw is still untouched" test "$(cat /etc/ufw/*.conf /etc/ufw/*.rules /etc/default/ufw | md5sum)" = "$HOST_UFW"
