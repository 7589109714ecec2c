#!/usr/bin/env bash
# This machine's own firewall, end to end: in a private network namespace (only lo) a real
# OpenVPN server listens on UDP, and an nftables rule drops this machine's UDP packets to it.
# The OpenVPN probe is silent; `--once --json` names the rule (local-firewall, with its table,
# chain and handle) and offers `nft delete rule … handle N`. Then the journey in a real
# terminal (tmux, 80x24): the finding, f, d, the exact command, y, the command runs in the
# terminal, Enter, the dashboard re-runs the target's checks: the probe is open, the finding
# gone, the rule gone from the ruleset; q exits 0.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if ! unshare -n true 2>/dev/null; then
  fail "a private network namespace (root) is needed"
  return 0
fi
SETUP_LOG=firewall-setup
netns fw

C="$WORK/fw"
mkdir -p "$C"
cd "$C" || exit 1
PORT=41194
openvpn_in "$NS" 127.0.0.1 "$PORT" || return 0
q in_ns nft add table inet tlsd
q in_ns nft add chain inet tlsd out '{ type filter hook output priority 0; policy accept; }'
q in_ns nft add rule inet tlsd out udp dport "$PORT" drop
handle=$(in_ns nft -a list chain inet tlsd out | sed -n "s/.*udp dport $PORT drop # handle \([0-9]*\).*/\1/p")
note "openvpn on udp $PORT in $NS; the rule's handle: ${handle:-none}"

vpn_config fw.toml 127.0.0.1 "$PORT"

timeout 60 ip netns exec "$NS" "$BIN" --once --json -c fw.toml >fw.json 2>fw.err
rc=$?
note "once: exit $rc; findings: $(json_get fw.json '" ".join(f["code"] for f in d["findings"])' 2>&1)"
check "the probe is silent under the rule" test "$(json_get fw.json 'd["targets"][0]["reach"][0]["status"]')" != open
check "local-firewall is found" test "$(json_get fw.json \
  "' '.join(f['code'] for f in d['findings'] if f['code'] == 'local-firewall')")" = local-firewall
check "it names the rule with its table, chain and handle" test "$(json_get fw.json \
  "any('table inet tlsd chain out: udp dport $PORT drop (handle $handle)' in e for f in d['findings'] for e in f['evidence'])")" = true
check "its fix deletes that rule by handle" test "$(fix_argv fw.json local-firewall d)" = \
  "[\"nft\", \"delete\", \"rule\", \"inet\", \"tlsd\", \"out\", \"handle\", \"$handle\"]"
check "the machine check read the ruleset" test "$(json_get fw.json 'd["machine"]["firewall"]["status"]')" = read
check "an error: exit 2 (exit $rc)" test "$rc" = 2

# --- the journey in a real terminal ----------------------------------------------------------
rule_gone() { ! in_ns nft list chain inet tlsd out | grep -q "dport $PORT drop"; }
if tui_shell "ip netns exec $NS"; then
  tui_start fw.toml
  to_finding local-firewall "local-firewall|own firewall drops"
  fix_journey local-firewall d "nft delete rule inet tlsd out handle $handle" rule_gone \
    "the rule is gone from the ruleset"
fi

timeout 60 ip netns exec "$NS" "$BIN" --once --json -c fw.toml >after.json 2>/dev/null
check "after the fix, the OpenVPN probe is open" test "$(json_get after.json 'd["targets"][0]["reach"][0]["status"]')" = open
check "after the fix, no finding" test "$(json_get after.json '" ".join(f["code"] for f in d["findings"])')" = ""
