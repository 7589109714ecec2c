#!/usr/bin/env bash
# iptables-legacy, end to end: nft does not see its rules. In a private network namespace (only
# lo) a real OpenVPN server listens on UDP, and `iptables-legacy -A OUTPUT -p udp --dport PORT
# -j DROP` drops this machine's packets to it. `--once --json` names the rule (local-firewall,
# iptables-legacy filter chain OUTPUT rule 1) and offers `iptables-legacy -t filter -D OUTPUT 1`.
# Then the journey in a real terminal (tmux, 80x24): f, d, the exact command, y, it runs in the
# terminal, Enter, the re-run: the probe open, the finding gone, the rule gone from
# iptables-legacy-save; q exits 0.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if ! unshare -n true 2>/dev/null; then
  fail "a private network namespace (root) is needed"
  return 0
fi
SETUP_LOG=iptables-setup
netns ipt

C="$WORK/ipt"
mkdir -p "$C"
cd "$C" || exit 1
PORT=41195
openvpn_in "$NS" 127.0.0.1 "$PORT" || return 0
q in_ns iptables-legacy -A OUTPUT -p udp --dport "$PORT" -j DROP
rule=$(in_ns iptables-legacy-save -t filter | sed -n "s/^-A OUTPUT \(.*dport $PORT -j DROP\)$/\1/p")
note "openvpn on udp $PORT in $NS; the rule: ${rule:-none}"
check "nft does not see the rule" bash -c "! ip netns exec '$NS' nft list ruleset | grep -q 'dport $PORT'"

vpn_config ipt.toml 127.0.0.1 "$PORT"

timeout 60 ip netns exec "$NS" "$BIN" --once --json -c ipt.toml >ipt.json 2>ipt.err
rc=$?
note "once: exit $rc; findings: $(json_get ipt.json '" ".join(f["code"] for f in d["findings"])' 2>&1)"
check "the probe is silent under the rule" test "$(json_get ipt.json 'd["targets"][0]["reach"][0]["status"]')" != open
check "local-firewall is found" test "$(json_get ipt.json \
  "' '.join(f['code'] for f in d['findings'] if f['code'] == 'local-firewall')")" = local-firewall
check "it names the iptables-legacy rule with its chain and number" test "$(json_get ipt.json \
  "any('iptables-legacy filter chain OUTPUT rule 1: $rule' in e for f in d['findings'] for e in f['evidence'])")" = true
check "its fix deletes that rule by number" test "$(fix_argv ipt.json local-firewall d)" = \
  '["iptables-legacy", "-t", "filter", "-D", "OUTPUT", "1"]'
check "the machine check read iptables-legacy" test "$(json_get ipt.json \
  "[b['status'] + ' ' + str(b['rules']) for b in d['machine']['firewall']['backends'] if b['name'] == 'iptables-legacy'][0]")" = "read 1"
check "machine.firewall says ufw's state" test -n "$(json_get ipt.json 'd["machine"]["firewall"]["ufw"]["status"]')"
check "an error: exit 2 (exit $rc)" test "$rc" = 2

# --- the journey in a real terminal ----------------------------------------------------------
rule_gone() { ! in_ns iptables-legacy-save -t filter | grep -q "dport $PORT"; }
if tui_shell "ip netns exec $NS"; then
  tui_start ipt.toml
  to_finding local-firewall "local-firewall|own firewall drops"
  fix_journey local-firewall d "iptables-legacy -t filter -D OUTPUT 1" rule_gone \
    "the rule is gone from iptables-legacy-save"
fi

timeout 60 ip netns exec "$NS" "$BIN" --once --json -c ipt.toml >after.json 2>/dev/null
check "after the fix, the OpenVPN probe is open" test "$(json_get after.json 'd["targets"][0]["reach"][0]["status"]')" = open
check "after the fix, no finding" test "$(json_get after.json '" ".join(f["code"] for f in d["findings"])')" = ""
check "after the fix, iptables-legacy holds no rule" test "$(json_get after.json \
  "[b['rules'] for b in d['machine']['firewall']['backends'] if b['name'] == 'iptables-legacy'][0]")" = 0
