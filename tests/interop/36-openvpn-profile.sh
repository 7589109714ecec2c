#!/usr/bin/env bash
# `--ovpn PROFILE` end to end: the binary (`$BIN --once --json --ovpn profile.ovpn`) runs the
# real OpenVPN control-channel TLS handshake with the profile's <ca> (and <cert>/<key>, TLS
# caps, verify-x509-name, remote-cert-tls server) against real multi-client OpenVPN servers
# on loopback, one per case, and says why it fails by finding code: good over UDP and TCP
# (targets[].vpn ok, no vpn-* finding); a server certificate from another CA
# (vpn-ca-mismatch); verify-x509-name that does not hold, and a server certificate without
# serverAuth under remote-cert-tls server (vpn-name-mismatch); a client certificate required
# (vpn-client-cert-required, and with the profile's <cert>/<key>: ok); tls-version-min 1.3
# against a profile capped at 1.2 (vpn-tls-version); a tls-auth server and a profile without
# its key, over UDP (vpn-no-answer), with the wrong key-direction (vpn-key-direction) and the
# right one, inline (ok), and a tls-auth key against a server without one (vpn-key-mismatch);
# tls-crypt with the server's key (ok) and another over UDP (vpn-no-answer); tls-auth over TCP
# with the server's key (ok), and tls-auth and tls-crypt with another key over TCP
# (vpn-key-mismatch: the server takes the connection and drops it on the signed reset); a
# server with only a CBC suite (vpn-inconclusive, info: what this check cannot speak) and one
# with only TLS 1.3 AES-CCM (vpn-tls-version: nothing either hello offers); a
# server certificate expired / not yet valid with a real
# chronyd giving the true time (vpn-cert-expired / vpn-cert-not-yet-valid), and a valid one
# seen by the binary under `faketime -f +3d` (clock-skew, with it as evidence); a UDP relay
# that drops datagrams over 1000 bytes (vpn-fragments-dropped). Every profile
# has auth-user-pass and the servers an auth-user-pass-verify script that records each
# username: the file must stay empty.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if [[ $(id -u) != 0 || ! -c /dev/net/tun ]]; then
  fail "the OpenVPN servers need root and /dev/net/tun (a --dev tun multi-client server)"
  return 0
fi

# --- keys, certificates and servers ----------------------------------------------------------
source "$HERE/openvpn-servers.sh"
{
  ca profile-ca && ca other-ca && leaf server profile-ca serverAuth &&
    leaf stranger other-ca serverAuth && leaf noeku profile-ca "" &&
    leaf client profile-ca clientAuth && openvpn --genkey secret "$K/ta.key" &&
    openvpn --genkey secret "$K/other.key" &&
    FAKE=-10d leaf old profile-ca serverAuth && FAKE=+10d leaf future profile-ca serverAuth
} >"$WORK/logs/pki.log" 2>&1 || { fail "making the certificates and ta.key" && sed 's/^/        /' "$WORK/logs/pki.log" && return 0; }

G_UDP=$(free_port udp) G_TCP=$(free_port tcp) O_UDP=$(free_port udp) E_UDP=$(free_port udp)
R_UDP=$(free_port udp) V_UDP=$(free_port udp) A_UDP=$(free_port udp)
X_UDP=$(free_port udp) F_UDP=$(free_port udp)
C_UDP=$(free_port udp) AT_TCP=$(free_port tcp) CT_TCP=$(free_port tcp)
CBC_UDP=$(free_port udp) CCM_UDP=$(free_port udp)
server good-udp udp "$G_UDP" server
server good-tcp tcp "$G_TCP" server
server otherca-udp udp "$O_UDP" stranger
server noeku-udp udp "$E_UDP" noeku
certserver certreq-udp udp "$R_UDP" server
server tls13-udp udp "$V_UDP" server --tls-version-min 1.3
server auth-udp udp "$A_UDP" server --tls-auth "$K/ta.key" 0
server expired-udp udp "$X_UDP" old
server future-udp udp "$F_UDP" future
server crypt-udp udp "$C_UDP" server --tls-crypt "$K/ta.key"
server auth-tcp tcp "$AT_TCP" server --tls-auth "$K/ta.key" 0
server crypt-tcp tcp "$CT_TCP" server --tls-crypt "$K/ta.key"
# Only what rustls does not speak: TLS 1.2 with a CBC suite; and nothing either hello offers:
# TLS 1.3 with AES-CCM only.
server cbc-udp udp "$CBC_UDP" server --tls-version-max 1.2 --tls-cipher TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA384
server ccm-udp udp "$CCM_UDP" server --tls-version-min 1.3 --tls-ciphersuites TLS_AES_128_CCM_SHA256
SERVERS=(good-udp good-tcp otherca-udp noeku-udp certreq-udp tls13-udp auth-udp expired-udp future-udp
  crypt-udp auth-tcp crypt-tcp cbc-udp ccm-udp)
servers_ready "${SERVERS[@]}" || return 0
note "openvpn $(openvpn --version | head -1 | cut -d' ' -f2): udp $G_UDP/$O_UDP/$E_UDP/$R_UDP/$V_UDP/$A_UDP, tcp $G_TCP"

# --- the profiles ----------------------------------------------------------------------------
cd "$WORK" || exit 1
printf 'targets = []\n\n[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\n' >empty.toml
# profile NAME LINES...: NAME.ovpn, a client profile with the profile CA inline, auth-user-pass
# and LINES (remotes and the rest).
profile() {
  local name=$1
  shift
  {
    printf 'client\ndev tun\nnobind\nauth-user-pass\n'
    printf '%s\n' "$@"
    printf '<ca>\n%s\n</ca>\n' "$(cat "$K/profile-ca.crt")"
  } >"$name.ovpn"
}
profile good "remote 127.0.0.1 $G_UDP udp" "remote 127.0.0.1 $G_TCP tcp" \
  "remote-cert-tls server" "verify-x509-name server name"
profile otherca "remote 127.0.0.1 $O_UDP udp"
profile badname "remote 127.0.0.1 $G_UDP udp" "verify-x509-name vpn.example.com name"
profile noeku "remote 127.0.0.1 $E_UDP udp" "remote-cert-tls server"
profile certreq "remote 127.0.0.1 $R_UDP udp"
profile withcert "remote 127.0.0.1 $R_UDP udp" "cert $K/client.crt" "key $K/client.key"
profile capped "remote 127.0.0.1 $V_UDP udp" "tls-version-max 1.2"
profile nokey "remote 127.0.0.1 $A_UDP udp"
profile wrongdir "remote 127.0.0.1 $A_UDP udp" "tls-auth $K/ta.key 0"
profile rightdir "remote 127.0.0.1 $A_UDP udp" "key-direction 1" "<tls-auth>" "$(cat "$K/ta.key")" "</tls-auth>"
profile crypt "remote 127.0.0.1 $C_UDP udp" "<tls-crypt>" "$(cat "$K/ta.key")" "</tls-crypt>"
profile cryptother "remote 127.0.0.1 $C_UDP udp" "<tls-crypt>" "$(cat "$K/other.key")" "</tls-crypt>"
profile authtcp "remote 127.0.0.1 $AT_TCP tcp" "key-direction 1" "<tls-auth>" "$(cat "$K/ta.key")" "</tls-auth>"
profile authtcpother "remote 127.0.0.1 $AT_TCP tcp" "key-direction 1" "<tls-auth>" "$(cat "$K/other.key")" "</tls-auth>"
profile crypttcpother "remote 127.0.0.1 $CT_TCP tcp" "<tls-crypt>" "$(cat "$K/other.key")" "</tls-crypt>"
profile nokeytcp "remote 127.0.0.1 $AT_TCP tcp"
profile cbc "remote 127.0.0.1 $CBC_UDP udp"
profile ccm "remote 127.0.0.1 $CCM_UDP udp"

# run NAME [PREFIX...]: the binary on NAME.ovpn (under PREFIX, e.g. faketime), with $NTP_ARGS.
run() {
  local name=$1
  shift
  timeout 60 "$@" "$BIN" --once --json -c empty.toml ${NTP_ARGS[@]+"${NTP_ARGS[@]}"} --ovpn "$name.ovpn" >"$name.json" 2>"$name.err"
  RC=$?
  set -- "$name"
  note "$1: exit $RC; vpn $(json_get "$1.json" 'd["targets"][0]["vpn"]["summary"]' 2>&1); findings: $(json_get "$1.json" \
    '" ".join(f["code"] for f in d["findings"]) or "none"' 2>&1)"
  [[ -s $1.err ]] && note "$1: stderr: $(head -c 300 "$1.err")"
  return 0
}
codes() { json_get "$1.json" '" ".join(f["code"] for f in d["findings"])'; }
vpn_codes() { codes "$1" | tr ' ' '\n' | grep '^vpn-' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
vpn() { json_get "$1.json" "d['targets'][0]['vpn']['$2']"; }
# has_code NAME CODE: exactly that vpn-* code among the findings.
only_vpn_code() { [[ $(vpn_codes "$1") == "$2" ]] || { note "$1: vpn codes '$(vpn_codes "$1")'" && return 1; }; }
evidence_has() {
  local said
  said=$(json_get "$1.json" "'\n'.join(l for f in d['findings'] if f['code']=='$2' for l in [f['summary']]+f['evidence'])")
  grep -Eq -- "$3" <<<"$said" || { note "$1: $2 says nothing matching /$3/" && return 1; }
}

run good
check "good profile: exit 0 (no finding)" test "$RC" = 0
# Nothing is wrong and the VPN's own handshake works: the app is what is left (info).
check "good profile: only app-suspect (info), naming the handshake" test "$(codes good)" = app-suspect
check "  ... its evidence names the OpenVPN handshake" evidence_has good app-suspect "OpenVPN TLS handshake completed over"
check "good profile (UDP + TCP remotes): targets[].vpn ok over UDP" test "$(vpn good status)" = ok
check "  ... and over TCP" test "$(json_get good.json "d['targets'][0]['vpn']['all'][1]['status']")" = ok
check "  ... protocol, port, TLS version and chain in the JSON" \
  test "$(vpn good protocol) $(vpn good port) $(json_get good.json "d['targets'][0]['vpn']['tls']['chain'][0]['subject']")" = "openvpn-udp $G_UDP CN=server"
check "  ... the summary reads as a success" \
  grep -Eq "OpenVPN TLS handshake completed over UDP $G_UDP in .*: TLSv1\.3, TLS(13)?_AES_256_GCM_SHA384, server CN=server, verified with the profile's CA" \
  <<<"$(vpn good summary)"
check "  ... no vpn-* finding" test -z "$(vpn_codes good)"

run otherca
check "another CA: exit 2 (an error finding)" test "$RC" = 2
check "server certificate from another CA: vpn-ca-mismatch" only_vpn_code otherca vpn-ca-mismatch
check "  ... vpn.status failed, the chain kept" test "$(vpn otherca status) $(json_get otherca.json "d['targets'][0]['vpn']['tls']['chain'][0]['issuer']")" = "failed CN=other-ca"

run badname
check "verify-x509-name that does not hold: vpn-name-mismatch" only_vpn_code badname vpn-name-mismatch
check "  ... naming the name and what the certificate says" evidence_has badname vpn-name-mismatch 'verify-x509-name "vpn.example.com" name .*common name is "server"'

run noeku
check "no serverAuth with remote-cert-tls server: vpn-name-mismatch" only_vpn_code noeku vpn-name-mismatch
check "  ... saying remote-cert-tls server does not hold" evidence_has noeku vpn-name-mismatch 'remote-cert-tls server does not hold'

run certreq
check "client certificate required, none in the profile: vpn-client-cert-required" only_vpn_code certreq vpn-client-cert-required
check "  ... naming the CA the server asked for" evidence_has certreq vpn-client-cert-required 'issued by: CN=profile-ca'
check "  ... the server refused it (its log)" grep -q 'peer did not return a certificate' "$WORK/logs/certreq-udp.log"
run withcert
check "  ... with the profile's cert/key: ok" test "$(vpn withcert status)" = ok

run capped
check "tls-version-min 1.3 server, profile tls-version-max 1.2: vpn-tls-version" only_vpn_code capped vpn-tls-version
check "  ... confirmed by the retry without the cap (TLSv1.3)" evidence_has capped vpn-tls-version 'without tls-version-max: OpenVPN TLS handshake completed .*TLSv1\.3'

run nokey
check "tls-auth server, profile without the key, over UDP: vpn-no-answer" only_vpn_code nokey vpn-no-answer
check "  ... naming both possibilities" evidence_has nokey vpn-no-answer 'blocked on the way, or the server requires a tls-auth/tls-crypt key'
check "  ... the server dropped our packets (its log)" \
  grep -Eq 'tls-auth|HMAC|packet.*(drop|auth)|TLS Error: cannot locate HMAC' "$WORK/logs/auth-udp.log"

# --- certificate dates, with a real chronyd giving the true time ------------------------------
profile expired "remote 127.0.0.1 $X_UDP udp"
profile future "remote 127.0.0.1 $F_UDP udp"
profile skewed "remote 127.0.0.1 $G_UDP udp"
if start_chronyd chrony-true; then
  NTP_ARGS=(--ntp "127.0.0.1:$CHRONY_PORT")
  run expired
  check "server certificate expired 8 days ago, the true time agrees: vpn-cert-expired" only_vpn_code expired vpn-cert-expired
  check "  ... saying the true time agrees" evidence_has expired vpn-cert-expired 'the true time agrees'
  check "  ... and no clock-skew" test -z "$(codes expired | tr ' ' '\n' | grep -x clock-skew)"
  run future
  check "server certificate valid only in 10 days: vpn-cert-not-yet-valid" only_vpn_code future vpn-cert-not-yet-valid
  run skewed faketime -f +3d
  check "a valid certificate, this clock 3 days ahead: clock-skew, no vpn-cert-expired" \
    test "$(vpn_codes skewed)|$(codes skewed | tr ' ' '\n' | grep -cx clock-skew)" = "|1"
  check "  ... the OpenVPN certificate is clock-skew's evidence" \
    evidence_has skewed clock-skew 'OpenVPN server certificate of 127\.0\.0\.1 .* looks expired only because this clock is wrong'
  NTP_ARGS=()
else
  fail "chronyd (the true time) did not start"
fi

run wrongdir
check "tls-auth with key-direction 0 against the server's 0: vpn-key-direction" only_vpn_code wrongdir vpn-key-direction
check "  ... naming the direction that is answered" evidence_has wrongdir vpn-key-direction 'answers the tls-auth key only with `key-direction 1`'
run rightdir
check "  ... inline <tls-auth> with key-direction 1: ok" test "$(vpn rightdir status)" = ok
profile extrakey "remote 127.0.0.1 $G_UDP udp" "key-direction 1" "<tls-auth>" "$(cat "$K/ta.key")" "</tls-auth>"
run extrakey
check "a tls-auth key against a server without tls-auth: vpn-key-mismatch" only_vpn_code extrakey vpn-key-mismatch
check "  ... the reset without a key is answered" evidence_has extrakey vpn-key-mismatch 'without a key: OpenVPN TLS handshake completed'

# --- tls-crypt, and keys that do not match -----------------------------------------------------
run crypt
check "tls-crypt with the server's key (inline <tls-crypt>): ok" test "$(vpn crypt status)" = ok
check "  ... no vpn-* finding" test -z "$(vpn_codes crypt)"
run cryptother
# Over UDP a wrong key is dropped in silence, as a filter would: both are named.
check "tls-crypt with another key, over UDP: vpn-no-answer" only_vpn_code cryptother vpn-no-answer
check "  ... the server dropped our packets (its log)" \
  grep -Eq 'tls-crypt unwrapping failed|packet authentication failed|HMAC' "$WORK/logs/crypt-udp.log"
run authtcp
check "tls-auth over TCP with the server's key: ok" test "$(vpn authtcp status)" = ok
run authtcpother
# Over TCP the server accepts the connection and then drops it on the signed reset: proven.
check "tls-auth with another key, over TCP: vpn-key-mismatch" only_vpn_code authtcpother vpn-key-mismatch
run crypttcpother
check "tls-crypt with another key, over TCP: vpn-key-mismatch" only_vpn_code crypttcpother vpn-key-mismatch
check "  ... saying the server closes the connection on the signed reset" \
  evidence_has crypttcpother vpn-key-mismatch 'does not take the profile.s tls-crypt key: it accepts the connection and closes it'
run nokeytcp
check "a tls-auth server over TCP, a profile without the key: vpn-key-mismatch" only_vpn_code nokeytcp vpn-key-mismatch
check "  ... saying the profile lacks the key the server requires" \
  evidence_has nokeytcp vpn-key-mismatch 'requires a tls-auth/tls-crypt key that the profile lacks'

# --- what this check cannot speak, and what nobody offers ---------------------------------------
run cbc
check "a server with only a CBC suite (TLS 1.2): vpn-inconclusive" only_vpn_code cbc vpn-inconclusive
check "  ... an info, not an error: exit 0" test "$RC" = 0
check "  ... naming the suite the server chose for the legacy hello" \
  evidence_has cbc vpn-inconclusive 'speaks only TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 \(TLS 1\.2\)'
check "  ... targets[].vpn.status inconclusive" test "$(vpn cbc status)" = inconclusive
check "  ... the server refused our usual hello (its log)" grep -q 'no shared cipher' "$WORK/logs/cbc-udp.log"
run ccm
check "a TLS 1.3 server with only AES-CCM: vpn-tls-version (nothing in common)" only_vpn_code ccm vpn-tls-version
check "  ... naming both hellos it refused" evidence_has ccm vpn-tls-version 'a legacy TLS 1.2 hello'

# --- a path that drops large UDP datagrams ----------------------------------------------------
# A UDP relay in front of the good server that drops every datagram over 1000 bytes, both ways.
SMALL=$(free_port udp)
relay small-relay "$SMALL" "$G_UDP" drop-large
if wait_for 10 relay_ready small-relay; then
  profile smallpath "remote 127.0.0.1 $SMALL udp"
  run smallpath
  check "a path that drops datagrams over 1000 bytes: vpn-fragments-dropped" only_vpn_code smallpath vpn-fragments-dropped
  check "  ... with the sizes seen, and the small ClientHello tried" \
    evidence_has smallpath vpn-fragments-dropped 'packets of up to 1[0-9]{3} bytes and was never acknowledged'
  check "  ... the relay dropped large datagrams both ways" \
    grep -q '^dropped server datagram' "$WORK/logs/small-relay.log"
else
  fail "the UDP relay did not start within 10 s"
fi

check "no credentials were ever sent (the auth-user-pass-verify script saw no username)" test ! -s "$USERS"
alive_all() {
  local s
  for s in "${SERVERS[@]}"; do
    grep -Eq 'Exiting due to fatal error|SIGTERM' "$WORK/logs/$s.log" && return 1
  done
  return 0
}
check "every server is still up" alive_all
