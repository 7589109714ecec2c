#!/usr/bin/env bash
# Proxy awareness against the real tinyproxy (HTTP CONNECT), through the real binary
# (`--once --json`). Everything runs in a private network namespace (`ip netns`, only `lo`)
# where an nftables rule on output resets every TCP connect to the servers' ports except
# tinyproxy's (its uid, nobody): there, only the proxy gets out. The servers are `openssl
# s_server` for www.example.net (certificates made here, the CA given with --ca-file) and the
# real OpenVPN TCP server. Targets use a host NAME with `connect = "127.0.0.1:PORT"` (loopback
# hosts are never proxied), so the proxy is asked `CONNECT 127.0.0.1:PORT`.
#   1 only the proxy gets out: proxy-only (exit 1)    2 direct works too: no finding (exit 0)
#   3 --no-proxy: direct, fails (exit 2)              4 NO_PROXY suffix: direct; unrelated: proxy
#   5 BasicAuth: 407 without credentials (and tinyproxy's 401 for a wrong password), ok with
#     them, never the password in the output     6 ConnectPort 443 only: 403
#   7 a closed proxy port: proxy-failure              8 --proxy over env, config over env,
#     config `proxy = ""` ignores env             9 OpenVPN TCP reset through the proxy
#  10 a bad --proxy URL: usage error (exit 3)
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

# --- the namespace ---------------------------------------------------------------------------
netns proxy

C="$WORK/proxy"
mkdir -p "$C"
cd "$C" || exit 1

SETUP_LOG=proxy-setup

# --- certificates: a root, a leaf for www.example.net (also the OpenVPN server's) ---------------
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
  -out ca.pem -days 3650 -subj "/CN=Proxy Interop Root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
  -subj /CN=www.example.net -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.net\n' >leaf.ext
q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile leaf.ext -out leaf.pem

# --- ports ------------------------------------------------------------------------------------
# The namespace is empty, so any port is free in it; free_port only spreads them out.
TB=$(free_port tcp) # s_server, direct connects reset by the rule
TO=$(free_port tcp) # s_server, direct connects let through
OT=$(free_port tcp) # openvpn tcp-server, direct connects reset by the rule
PP=$(free_port tcp) # tinyproxy
PA=$(free_port tcp) # tinyproxy with BasicAuth user secret
PC=$(free_port tcp) # tinyproxy with ConnectPort 443 only
PX=$(free_port tcp) # nothing listens
note "ports: s_server blocked $TB, open $TO; openvpn $OT; tinyproxy $PP, auth $PA, port-443-only $PC; closed $PX"

# --- the rule: only tinyproxy's uid may connect to the servers' ports ---------------------------
TP_USER=nobody
TP_GROUP=$(id -gn "$TP_USER" 2>/dev/null)
TP_UID=$(id -u "$TP_USER" 2>/dev/null)
[[ -n $TP_UID && -n $TP_GROUP ]] || { fail "user $TP_USER exists" && return 0; }
cat >rules.nft <<EOF
table inet tlsdoctor_proxy {
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport { $TB, $OT } meta skuid != $TP_UID reject with tcp reset
  }
}
EOF
q in_ns nft -f rules.nft

# --- peers ------------------------------------------------------------------------------------
# tinyproxy opens its log file after dropping to User, and $WORK is 0700: its files live in a
# directory of their own that the user owns (its logs are copied into $WORK/logs at the end).
TPD=$(mktemp -d "${TMPDIR:-/tmp}/tlsdoctor-tinyproxy.XXXXXX")
on_exit "cp '$TPD'/*.log '$WORK/logs/' 2>/dev/null; rm -rf '$TPD'"
q chown "$TP_USER:$TP_GROUP" "$TPD"
q chmod 755 "$TPD"

# logged FILE RE: FILE exists and has a line matching RE.
logged() { grep -q -- "$2" "$1" 2>/dev/null; }
# tinyproxy NAME PORT EXTRA-LINES: a real tinyproxy in the foreground on 127.0.0.1:PORT.
tinyproxy_up() {
  local name=$1 port=$2 extra=${3:-}
  cat >"$TPD/$name.conf" <<EOF
User $TP_USER
Group $TP_GROUP
Port $port
Listen 127.0.0.1
Timeout 10
MaxClients 20
LogFile "$TPD/$name.log"
LogLevel Info
$extra
EOF
  spawn "$name" ip netns exec "$NS" tinyproxy -d -c "$TPD/$name.conf"
  if ! wait_for 10 logged "$TPD/$name.log" 'Accepting connections'; then
    fail "tinyproxy $name did not start within 10 s; its output:"
    tail -n 5 "$TPD/$name.log" "$WORK/logs/$name.log" 2>/dev/null | sed 's/^/        /'
    exit 0
  fi
}
# s_server NAME PORT: `openssl s_server -www` for www.example.net in the namespace.
s_server() {
  spawn "s_server-$1" ip netns exec "$NS" openssl s_server -accept "127.0.0.1:$2" -www \
    -cert leaf.pem -key leaf.key
  if ! wait_for 10 logged "$WORK/logs/s_server-$1.log" '^ACCEPT'; then
    fail "s_server $1 did not start; its log:" && tail -n 3 "$WORK/logs/s_server-$1.log" | sed 's/^/        /'
    exit 0
  fi
}
tinyproxy_up tinyproxy "$PP"
tinyproxy_up tinyproxy-auth "$PA" "BasicAuth user secret"
tinyproxy_up tinyproxy-443 "$PC" "ConnectPort 443"
s_server blocked "$TB"
s_server open "$TO"
# The OpenVPN TCP server as 30-openvpn.sh starts it (a point-to-point TCP server: it serves
# one connection, then listens again).
spawn openvpn ip netns exec "$NS" openvpn --dev null --tls-server --ca ca.pem --cert leaf.pem \
  --key leaf.key --dh none --local 127.0.0.1 --proto tcp-server --port "$OT" --verb 3
if ! wait_for 10 logged "$WORK/logs/openvpn.log" 'Listening for incoming TCP connection'; then
  fail "openvpn did not start within 10 s; its log:" && tail -n 10 "$WORK/logs/openvpn.log" | sed 's/^/        /'
  exit 0
fi
note "$(tinyproxy -v 2>&1 | head -1), openvpn $(openvpn --version | head -1 | cut -d' ' -f2), $(openssl version | cut -d' ' -f1-2)"

# --- the setup, checked without the binary ------------------------------------------------------
# direct PORT: a TCP connect from root in the namespace. via_proxy PROXY-PORT TARGET-PORT [USER:PASS]:
# the status line tinyproxy answers a CONNECT 127.0.0.1:TARGET-PORT with.
direct() { in_ns "$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)' "$1" 2>/dev/null; }
via_proxy() {
  in_ns "$PYTHON" - "$@" <<'EOF'
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
req = "CONNECT 127.0.0.1:%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n" % (sys.argv[2], sys.argv[2])
if len(sys.argv) > 3:
    req += "Proxy-Authorization: Basic %s\r\n" % base64.b64encode(sys.argv[3].encode()).decode()
s.sendall((req + "\r\n").encode())
data = b""
while b"\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n")[0].decode(errors="replace"))
EOF
}
status_is() { # WANT CMD...: CMD prints a status line containing WANT
  local want=$1 got
  shift
  got=$("$@" 2>&1)
  [[ $got == *"$want"* ]] || { note "got: ${got:-nothing}, want: $want" && return 1; }
}
check "setup: the rule resets a direct connect to the blocked s_server" eval '! direct "$TB"'
check "setup: the rule resets a direct connect to openvpn" eval '! direct "$OT"'
check "setup: a direct connect to the open s_server works" direct "$TO"
check "setup: a direct connect to the closed port is refused" eval '! direct "$PX"'
check "setup: tinyproxy tunnels to the blocked s_server (200)" status_is " 200 " via_proxy "$PP" "$TB"
check "setup: tinyproxy with BasicAuth: 407 without credentials" status_is " 407 " via_proxy "$PA" "$TO"
check "setup: tinyproxy with BasicAuth: 200 with user:secret" status_is " 200 " via_proxy "$PA" "$TO" user:secret
check "setup: tinyproxy with ConnectPort 443: 403 for another port" status_is " 403 " via_proxy "$PC" "$TO"

# --- the runs -----------------------------------------------------------------------------------
# config FILE [EXTRA-NETWORK-LINES] then TARGET-NAME:PORT[:PROBES]...: no NTP, no captive check.
config() {
  local file=$1 extra=$2 t name port probes
  shift 2
  {
    printf '[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\n%s\n\n' "$extra"
    for t in "$@"; do
      IFS=: read -r name port probes <<<"$t"
      printf '[[targets]]\nname = "%s"\nhost = "www.example.net"\nconnect = "127.0.0.1:%s"\n' "$name" "$port"
      [[ -n $probes ]] && printf 'probes = [%s]\n' "$probes"
      printf '\n'
    done
  } >"$file"
}
config blocked.toml "" "t:$TB"
config open.toml "" "t:$TO"
config open-noproxy.toml 'proxy = ""' "t:$TO"
config open-cfgproxy.toml "proxy = \"http://127.0.0.1:$PP\"" "t:$TO"
config ovpn.toml "" "t:$TB:\"tls\", \"openvpn-tcp:$OT\""

# tlsdoctor NAME [VAR=VALUE...] -- ARGS...: the binary in the namespace, `--once --json --ca-file`
# ARGS, with only the proxy variables given (the caller's are dropped). Report in $WORK/NAME.json,
# stderr in $WORK/NAME.err, exit status in $RC.
PROXY_VARS=(https_proxy HTTPS_PROXY all_proxy ALL_PROXY http_proxy HTTP_PROXY no_proxy NO_PROXY)
tlsdoctor() {
  local name=$1 envs=() unset=() v
  shift
  while (($#)) && [[ $1 != -- ]]; do envs+=("$1") && shift; done
  shift
  for v in "${PROXY_VARS[@]}"; do unset+=(-u "$v"); done
  timeout 60 ip netns exec "$NS" env "${unset[@]}" "${envs[@]}" "$BIN" --once --json \
    --ca-file "$C/ca.pem" "$@" >"$WORK/$name.json" 2>"$WORK/$name.err"
  RC=$?
  note "$name: exit $RC; $(jget "$WORK/$name.json" '"; ".join("%s via %s" % (t["name"],
    t.get("via")) for t in d["targets"]) + "; findings: " + (", ".join("%s@%s" % (f["code"],
    f["target"] or "*") for f in d["findings"]) or "none")' | head -c 600)"
  [[ -s $WORK/$name.err ]] && note "$name: stderr: $(head -c 400 "$WORK/$name.err" | tr -s '\n' ' ')"
  return 0
}
# jget FILE EXPR: json_get, "no JSON report" when the run wrote none (or not JSON).
jget() { json_get "$@" 2>/dev/null || echo "no JSON report"; }
# codes NAME: the run's finding codes, sorted and unique ("-": none).
codes() { jget "$WORK/$1.json" "' '.join(sorted(set(f['code'] for f in d['findings']))) or '-'"; }
codes_are() { local got; got=$(codes "$1"); [[ $got == "$2" ]] || { note "$1: codes [$got], want [$2]" && return 1; }; }
has_code() { [[ $(jget "$WORK/$1.json" "any(f['code'] == '$2' for f in d['findings'])") == true ]]; }
has_tcp_error() {
  [[ $(jget "$WORK/$1.json" "any(f['code'].startswith('tcp-') and f['severity'] == 'error' for f in d['findings'])") == true ]]
}
# evidence_has NAME CODE TEXT: a CODE finding whose evidence contains TEXT.
evidence_has() {
  [[ $(jget "$WORK/$1.json" "any('$3' in ' '.join(f['evidence'])
    for f in d['findings'] if f['code'] == '$2')") == true ]] ||
    { note "$1: no $2 finding quoting '$3': $(jget "$WORK/$1.json" "[f for f in d['findings'] if f['code'] == '$2']" | head -c 600)" && return 1; }
}
# mentions NAME CODE TEXT: a CODE finding that says TEXT somewhere (summary, evidence, fixes).
mentions() {
  [[ $(jget "$WORK/$1.json" "any('$3' in str(f) for f in d['findings'] if f['code'] == '$2')") == true ]] ||
    { note "$1: no $2 finding quoting '$3': $(jget "$WORK/$1.json" "[f for f in d['findings'] if f['code'] == '$2']" | head -c 600)" && return 1; }
}
via_is() {
  local got
  got=$(jget "$WORK/$1.json" "' '.join(str(t.get('via')) for t in d['targets'])")
  [[ $got == "$2" ]] || { note "$1: via [$got], want [$2]" && return 1; }
}
rc_is() { [[ $RC == "$1" ]] || { note "exit $RC, want $1" && return 1; }; }
# connects LOG PORT: how many CONNECT 127.0.0.1:PORT requests tinyproxy's LOG has logged.
connects() {
  local c
  c=$(grep -c "Request (file descriptor [0-9]*): CONNECT 127.0.0.1:$2 " "$TPD/$1.log" 2>/dev/null)
  echo "${c:-0}"
}
# saw_connect LOG PORT BEFORE: tinyproxy logged more than BEFORE of them (it logs as it goes).
more_connects() { (($(connects "$1" "$2") > $3)); }
saw_connect() { wait_for 2 more_connects "$@"; }
# has_report NAME: the run wrote a JSON report.
has_report() { [[ $(jget "$WORK/$1.json" "'ok'") == ok ]] || { note "$1: no JSON report" && return 1; }; }
# no_secret NAME: the run wrote a JSON report, and neither it nor stderr has the password.
no_secret() { has_report "$1" && ! grep -q secret "$WORK/$1.json" "$WORK/$1.err"; }

VIA_PP="proxy 127.0.0.1:$PP"

# 1. Only the proxy gets out.
n=$(connects tinyproxy "$TB")
tlsdoctor only-proxy HTTPS_PROXY="http://127.0.0.1:$PP" -- -c blocked.toml
check "1 only the proxy gets out: findings exactly proxy-only" codes_are only-proxy proxy-only
check "1 only the proxy gets out: exit 1" rc_is 1
check "1 only the proxy gets out: via $VIA_PP" via_is only-proxy "$VIA_PP"
check "1 only the proxy gets out: tinyproxy logged CONNECT 127.0.0.1:$TB" saw_connect tinyproxy "$TB" "$n"
check "1 only the proxy gets out: proxy-only names OpenVPN's http-proxy" mentions only-proxy proxy-only http-proxy

# 2. Direct works too.
n=$(connects tinyproxy "$TO")
tlsdoctor both-work HTTPS_PROXY="http://127.0.0.1:$PP" -- -c open.toml
check "2 direct works, HTTPS_PROXY set: no finding" codes_are both-work -
check "2 direct works, HTTPS_PROXY set: exit 0" rc_is 0
check "2 direct works, HTTPS_PROXY set: via $VIA_PP" via_is both-work "$VIA_PP"
check "2 direct works, HTTPS_PROXY set: tinyproxy logged CONNECT 127.0.0.1:$TO" saw_connect tinyproxy "$TO" "$n"

# 3. --no-proxy under the rule.
n=$(connects tinyproxy "$TB")
tlsdoctor no-proxy HTTPS_PROXY="http://127.0.0.1:$PP" -- -c blocked.toml --no-proxy
check "3 --no-proxy: via direct" via_is no-proxy direct
check "3 --no-proxy: the target fails (a tcp-* error)" has_tcp_error no-proxy
check "3 --no-proxy: exit 2" rc_is 2
sleep 0.3
check "3 --no-proxy: tinyproxy saw no CONNECT" eval 'has_report no-proxy && test "$(connects tinyproxy "$TB")" = "$n"'

# 4. NO_PROXY.
tlsdoctor no-proxy-suffix HTTPS_PROXY="http://127.0.0.1:$PP" NO_PROXY=example.net -- -c open.toml
check "4 NO_PROXY=example.net: via direct" via_is no-proxy-suffix direct
check "4 NO_PROXY=example.net: exit 0" rc_is 0
tlsdoctor no-proxy-dot https_proxy="http://127.0.0.1:$PP" no_proxy=localhost,.example.net -- -c open.toml
check "4 no_proxy=localhost,.example.net: via direct" via_is no-proxy-dot direct
tlsdoctor no-proxy-other HTTPS_PROXY="http://127.0.0.1:$PP" NO_PROXY=example.org,10.0.0.0/8 -- -c open.toml
check "4 NO_PROXY=example.org,10.0.0.0/8: via $VIA_PP" via_is no-proxy-other "$VIA_PP"
check "4 NO_PROXY=example.org,10.0.0.0/8: exit 0" rc_is 0

# 5. A proxy that wants credentials.
tlsdoctor auth-none HTTPS_PROXY="http://127.0.0.1:$PA" -- -c open.toml
check "5 BasicAuth, no credentials: proxy-failure" has_code auth-none proxy-failure
check "5 BasicAuth, no credentials: the evidence quotes the 407" evidence_has auth-none proxy-failure 407
check "5 BasicAuth, no credentials: exit 2" rc_is 2
# tinyproxy answers a wrong password with "401 Unauthorized", not 407: still the proxy refusing.
tlsdoctor auth-wrong -- -c open.toml --proxy "http://user:wrong@127.0.0.1:$PA"
check "5 BasicAuth, wrong password: proxy-failure quoting tinyproxy's 401" evidence_has auth-wrong proxy-failure 401
check "5 BasicAuth, wrong password: exit 2" rc_is 2
tlsdoctor auth-ok -- -c open.toml --proxy "http://user:secret@127.0.0.1:$PA"
check "5 BasicAuth, user:secret: no finding" codes_are auth-ok -
check "5 BasicAuth, user:secret: exit 0" rc_is 0
check "5 BasicAuth, user:secret: via proxy 127.0.0.1:$PA" via_is auth-ok "proxy 127.0.0.1:$PA"
check "5 BasicAuth: the password is in no output" eval 'no_secret auth-ok && no_secret auth-wrong'
tlsdoctor auth-env HTTPS_PROXY="http://user:secret@127.0.0.1:$PA" -- -c open.toml
check "5 BasicAuth, user:secret from HTTPS_PROXY: via proxy 127.0.0.1:$PA, exit 0, the password in no output" \
  eval 'via_is auth-env "proxy 127.0.0.1:$PA" && rc_is 0 && no_secret auth-env'

# 6. A proxy that allows CONNECT to port 443 only.
tlsdoctor port-443 HTTPS_PROXY="http://127.0.0.1:$PC" -- -c open.toml
check "6 ConnectPort 443 only: proxy-failure quoting the 403" evidence_has port-443 proxy-failure 403
check "6 ConnectPort 443 only: exit 2" rc_is 2

# 7. Nothing at the proxy's address.
tlsdoctor closed HTTPS_PROXY="http://127.0.0.1:$PX" -- -c open.toml
check "7 HTTPS_PROXY at a closed port: proxy-failure" has_code closed proxy-failure
check "7 HTTPS_PROXY at a closed port: exit 2" rc_is 2

# 8. Precedence.
tlsdoctor flag-wins HTTPS_PROXY="http://127.0.0.1:$PX" -- -c open.toml --proxy "http://127.0.0.1:$PP"
check "8 --proxy over HTTPS_PROXY (closed): no finding, exit 0" eval 'codes_are flag-wins - && rc_is 0'
check "8 --proxy over HTTPS_PROXY: via $VIA_PP" via_is flag-wins "$VIA_PP"
tlsdoctor bare-flag -- -c open.toml --proxy "127.0.0.1:$PP"
check "8 --proxy 127.0.0.1:$PP (no scheme) is http://: via $VIA_PP, exit 0" \
  eval 'via_is bare-flag "$VIA_PP" && rc_is 0'
tlsdoctor config-empty HTTPS_PROXY="http://127.0.0.1:$PX" -- -c open-noproxy.toml
check "8 config proxy = \"\" ignores HTTPS_PROXY: via direct, no finding, exit 0" \
  eval 'via_is config-empty direct && codes_are config-empty - && rc_is 0'
tlsdoctor config-wins HTTPS_PROXY="http://127.0.0.1:$PX" -- -c open-cfgproxy.toml
check "8 config proxy over HTTPS_PROXY (closed): via $VIA_PP, exit 0" \
  eval 'via_is config-wins "$VIA_PP" && rc_is 0'
tlsdoctor flag-over-config -- -c open-cfgproxy.toml --proxy "http://127.0.0.1:$PX"
check "8 --proxy over the config's proxy: proxy-failure (the flag's closed port)" has_code flag-over-config proxy-failure

# 9. OpenVPN over TCP through the proxy, under the rule.
wait_for 10 logged "$WORK/logs/openvpn.log" 'Listening for incoming TCP connection' || note "openvpn is not listening"
n=$(connects tinyproxy "$OT")
tlsdoctor ovpn HTTPS_PROXY="http://127.0.0.1:$PP" -- -c ovpn.toml
reach_via_proxy() {
  local got
  got=$(jget "$WORK/ovpn.json" "' '.join(r.get('status', '?') for t in d['targets'] for r in t['reach']
    if r['probe'] == 'openvpn-tcp' and r['port'] == $OT and r.get('via') == '$VIA_PP')")
  [[ $got == open ]] || { note "ovpn: openvpn-tcp:$OT via proxy: [$got], want [open]; reach: $(jget "$WORK/ovpn.json" \
    "[t['reach'] for t in d['targets']]" | head -c 800)" && return 1; }
}
check "9 openvpn-tcp:$OT through the proxy: reach entry via $VIA_PP, open" reach_via_proxy
check "9 tinyproxy logged CONNECT 127.0.0.1:$OT" saw_connect tinyproxy "$OT" "$n"
check "9 the OpenVPN server took a connection" grep -q 'TCP connection established' "$WORK/logs/openvpn.log"

# 10. A proxy URL that is not one.
tlsdoctor bad-url -- -c open.toml --proxy 'ftp://x'
check "10 --proxy ftp://x: exit 3" rc_is 3
check "10 --proxy ftp://x: stderr names the value" grep -qF 'ftp://x' "$WORK/bad-url.err"
