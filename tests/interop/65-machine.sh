#!/usr/bin/env bash
# This machine: the security-software table and the client versions, against real processes
# and programs. A process started as `exec -a zsaservice sleep 60` (the Zscaler Client
# Connector's daemon name in argv[0], "sleep" in comm) is found and named in `--once --json`
# (machine.security_software and the security-software finding); with it gone, it is not.
# Stand-in `nordvpn` and `openvpn` programs first on PATH print the real programs' version
# lines: old ones give client-outdated with the distribution's update command, new ones none.
# And end to end: `openssl s_server` sends a chain from a CA named "Zscaler Root CA": its
# tls-interception finding names the Zscaler agent running here, or, with it gone, says that
# none of the table runs.
# The config has no network target, no NTP server and no captive check: each run takes about a
# second. Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through
# run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

cat >"$WORK/machine.toml" <<'EOF2'
targets = []

[clock]
servers = []

[network]
captive_url = ""
EOF2

# run NAME [PATH-DIR] [CONFIG]: one --once --json run (PATH-DIR first on PATH), bounded; sets RC.
run() {
  local path=$PATH start config=${3:-$WORK/machine.toml}
  [[ -n ${2:-} ]] && path="$2:$PATH"
  start=$(date +%s%N)
  PATH=$path timeout 30 "$BIN" --once --json -c "$config" >"$WORK/$1.json" 2>"$WORK/$1.err"
  RC=$?
  note "$1: exit $RC in $((($(date +%s%N) - start) / 1000000)) ms; findings: $(json_get "$WORK/$1.json" \
    '" ".join(f["code"] for f in d["findings"]) or "-"' 2>&1)"
  [[ -s $WORK/$1.err ]] && note "$1: stderr: $(head -c 300 "$WORK/$1.err")"
}

# --- security software --------------------------------------------------------------------
run baseline
baseline=$(json_get "$WORK/baseline.json" \
  "' '.join(s['product'] for s in d['machine']['security_software'] if s['running']) or '-'")
note "running here before the test: $baseline"

spawn agent bash -c 'exec -a zsaservice sleep 60'
agent=$SPAWNED
check "the stand-in agent runs as zsaservice (pid $agent)" \
  wait_for 5 bash -c "tr '\\0' '\\n' </proc/$agent/cmdline 2>/dev/null | head -n 1 | grep -qx zsaservice"

run agent
check "machine.security_software names Zscaler Client Connector, running, intercepts TLS" \
  test "$(json_get "$WORK/agent.json" \
  "[(s['running'], s['intercepts_tls']) for s in d['machine']['security_software'] if s['product'] == 'Zscaler Client Connector']")" = "[[true, true]]"
check "its evidence is the process by name and pid" test "$(json_get "$WORK/agent.json" \
  "any('process zsaservice (pid $agent)' in s['evidence'] for s in d['machine']['security_software'])")" = true
check "the security-software finding names it and its setting" test "$(json_get "$WORK/agent.json" \
  "any(f['code'] == 'security-software' and f['severity'] == 'info' and 'Zscaler Client Connector' in f['summary'] and any('ZIA admin portal' in e for e in f['evidence']) for f in d['findings'])")" = true
check "an info finding alone: exit 0 (exit $RC)" test "$RC" = 0

# A server whose chain comes from a CA named like Zscaler's.
(
  cd "$WORK" || exit 1
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout zs.key \
    -out zs.pem -days 30 -subj "/CN=Zscaler Root CA" 2>/dev/null &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout site.key \
      -out site.csr -subj /CN=localhost 2>/dev/null &&
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >site.ext &&
    openssl x509 -req -in site.csr -CA zs.pem -CAkey zs.key -CAcreateserial -days 30 \
      -extfile site.ext -out site.pem 2>/dev/null
) || fail "the Zscaler-named chain was made"
port=$(free_port tcp)
spawn s_server openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/site.pem" \
  -key "$WORK/site.key" -cert_chain "$WORK/zs.pem" -www -quiet
check "openssl s_server listens on $port" wait_for 5 bash -c "exec 2>/dev/null 3<>/dev/tcp/127.0.0.1/$port"
cat >"$WORK/intercepted.toml" <<EOF2
[clock]
servers = []

[network]
captive_url = ""
timeout = "5s"

[[targets]]
name = "site"
host = "localhost"
port = $port
connect = "127.0.0.1:$port"
EOF2
interception_says() {
  json_get "$WORK/$1.json" \
    "any(f['code'] == 'tls-interception' and any('$2' in e for e in f['evidence']) for f in d['findings'])"
}
run intercepted "" "$WORK/intercepted.toml"
check "tls-interception names the agent running here and its setting" test \
  "$(interception_says intercepted "running here: Zscaler Client Connector (process zsaservice (pid $agent))")" = true

kill -- "-$agent" 2>/dev/null
gone() { ! alive "$1"; }
check "the stand-in agent is gone" wait_for 5 gone "$agent"
run gone
check "with it gone, Zscaler is not named" test "$(json_get "$WORK/gone.json" \
  "any(s['product'] == 'Zscaler Client Connector' for s in d['machine']['security_software'])")" = false
if [[ $baseline == - ]]; then
  check "none running: no security-software finding" test "$(json_get "$WORK/gone.json" \
    "any(f['code'] == 'security-software' for f in d['findings'])")" = false
else
  note "this machine runs $baseline: its security-software finding stays"
fi
run intercepted-alone "" "$WORK/intercepted.toml"
if [[ $baseline == - ]]; then
  check "with no agent running, tls-interception says none of the table runs" test \
    "$(interception_says intercepted-alone "no security software of the table runs on this machine")" = true
fi

# --- client versions ------------------------------------------------------------------------
mkdir -p "$WORK/old" "$WORK/new"
cat >"$WORK/old/nordvpn" <<'EOF2'
#!/bin/sh
echo "NordVPN Version 3.14.2"
EOF2
cat >"$WORK/old/openvpn" <<'EOF2'
#!/bin/sh
# OpenVPN 2.3 prints its version and exits 1.
echo "OpenVPN 2.3.10 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [EPOLL] [PKCS11] [MH] [IPv6] built on Feb  2 2016"
echo "library versions: OpenSSL 1.0.2g  1 Mar 2016, LZO 2.08"
exit 1
EOF2
cat >"$WORK/new/nordvpn" <<'EOF2'
#!/bin/sh
echo "NordVPN Version 3.17.0"
EOF2
cat >"$WORK/new/openvpn" <<'EOF2'
#!/bin/sh
echo "OpenVPN 2.6.3 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]"
echo "library versions: OpenSSL 3.0.11 19 Sep 2023, LZO 2.10"
EOF2
chmod +x "$WORK"/old/* "$WORK"/new/*

status_of() {
  json_get "$WORK/$1.json" "[c['version'] + ' ' + c['status'] for c in d['machine']['clients'] if c['program'] == '$2'][0]"
}
run old "$WORK/old"
check "nordvpn 3.14.2 is outdated" test "$(status_of old nordvpn)" = "3.14.2 outdated"
check "openvpn 2.3.10 is outdated (it exits 1, as 2.3 does)" test "$(status_of old openvpn)" = "2.3.10 outdated"
check "client-outdated (warning) names both, with what breaks" test "$(json_get "$WORK/old.json" \
  "any(f['code'] == 'client-outdated' and f['severity'] == 'warning' and 'nordvpn 3.14.2' in f['summary'] and 'openvpn 2.3.10' in f['summary'] and any('tls-crypt' in e for e in f['evidence']) for f in d['findings'])")" = true
fix=$(fix_argv "$WORK/old.json" client-outdated u)
note "the update fix: $fix"
os_id=$(. /etc/os-release 2>/dev/null && echo "${ID:-}")
sudo=""
[[ $(id -u) != 0 ]] && sudo='"sudo", '
if [[ $os_id == debian ]] && command -v apt-get >/dev/null && { [[ -z $sudo ]] || command -v sudo >/dev/null; }; then
  check "on Debian the fix is apt-get's, for both packages" \
    test "$fix" = "[${sudo}\"apt-get\", \"install\", \"--only-upgrade\", \"nordvpn\", \"openvpn\"]"
else
  note "not Debian with apt-get ($os_id): the fix command is not checked"
fi
check "a warning: exit 1 (exit $RC)" test "$RC" = 1

run new "$WORK/new"
check "nordvpn 3.17.0 is ok" test "$(status_of new nordvpn)" = "3.17.0 ok"
check "openvpn 2.6.3 is ok" test "$(status_of new openvpn)" = "2.6.3 ok"
check "no client-outdated names nordvpn or openvpn" test "$(json_get "$WORK/new.json" \
  "any(f['code'] == 'client-outdated' and ('nordvpn' in f['summary'] or 'openvpn' in f['summary']) for f in d['findings'])")" = false
check "the text report has a This machine section" \
  bash -c "PATH='$WORK/new:$PATH' timeout 30 '$BIN' --once -c '$WORK/machine.toml' | grep -q '^This machine'"
