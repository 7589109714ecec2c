#!/usr/bin/env bash
# The OpenVPN control-channel TLS handshake (probe::vpn::openvpn) against the real OpenVPN
# server on loopback, through the example `ovpn_handshake` (it prints the handshake's report).
# Each case has its own multi-client server (`--dev tun --server 10.8.N.0 ... --topology
# subnet`); most ask for no client certificate (`--verify-client-cert none`), and a client
# would log in with `auth-user-pass-verify`, whose script records each username it is given:
# the file must stay empty, since the check stops at the end of the TLS handshake and never
# sends credentials. Nothing is sent to the tun addresses. Cases: good over UDP and over TCP
# (and capped at TLS 1.2); tls-auth (key-direction 1 against the server's 0, over UDP and
# TCP; the wrong direction and no key: never answered, or hung up on); tls-crypt (UDP, TCP);
# a server whose certificate comes from another CA (the handshake completes, the chain fails
# against the profile's CA); a server that requires a client certificate (without one: our
# last flight is never acknowledged; with the profile's: completes); a tls-version-min 1.3
# server against a profile capped at 1.2 (the ClientHello is never acknowledged); a UDP
# relay that loses or drops large datagrams (a retransmission; a stall, with what was
# acknowledged); closed ports.
#
# The example is built in release mode next to BIN's build, unless OVPN_HS names a built one
# (`OVPN_HS=target/debug/examples/ovpn_handshake tests/interop/run.sh 35`).
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if [[ $(id -u) != 0 || ! -c /dev/net/tun ]]; then
  fail "the OpenVPN servers need root and /dev/net/tun (a --dev tun multi-client server)"
  return 0
fi

# --- the example -----------------------------------------------------------------------------
ROOT=$(cd "$HERE/../.." && pwd)
if [[ -z ${OVPN_HS:-} ]]; then
  if ! (cd "$ROOT" && timeout 500 cargo build --release --locked --example ovpn_handshake) \
    >"$WORK/logs/build-example.log" 2>&1; then
    fail "building the ovpn_handshake example; its log:" && tail -15 "$WORK/logs/build-example.log" | sed 's/^/        /'
    return 0
  fi
  target=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  OVPN_HS="$target/release/examples/ovpn_handshake"
fi
[[ -x $OVPN_HS ]] || { fail "no ovpn_handshake example at $OVPN_HS" && return 0; }

# --- keys, certificates and servers ----------------------------------------------------------
source "$HERE/openvpn-servers.sh"
{
  ca profile-ca && ca other-ca && leaf server profile-ca serverAuth &&
    leaf stranger other-ca serverAuth && leaf client profile-ca clientAuth &&
    openvpn --genkey secret "$K/ta.key"
} >"$WORK/logs/pki.log" 2>&1 || { fail "making the certificates and ta.key" && sed 's/^/        /' "$WORK/logs/pki.log" && return 0; }

G_UDP=$(free_port udp) G_TCP=$(free_port tcp) A_UDP=$(free_port udp) A_TCP=$(free_port tcp)
C_UDP=$(free_port udp) C_TCP=$(free_port tcp) O_UDP=$(free_port udp) R_UDP=$(free_port udp) V_UDP=$(free_port udp)
server good-udp udp "$G_UDP" server
server good-tcp tcp "$G_TCP" server
server auth-udp udp "$A_UDP" server --tls-auth "$K/ta.key" 0
server auth-tcp tcp "$A_TCP" server --tls-auth "$K/ta.key" 0
server crypt-udp udp "$C_UDP" server --tls-crypt "$K/ta.key"
server crypt-tcp tcp "$C_TCP" server --tls-crypt "$K/ta.key"
server otherca-udp udp "$O_UDP" stranger
certserver certreq-udp udp "$R_UDP" server
server tls13-udp udp "$V_UDP" server --tls-version-min 1.3
SERVERS=(good-udp good-tcp auth-udp auth-tcp crypt-udp crypt-tcp otherca-udp certreq-udp tls13-udp)
servers_ready "${SERVERS[@]}" || return 0
note "openvpn $(openvpn --version | head -1 | cut -d' ' -f2): udp $G_UDP/$A_UDP/$C_UDP/$O_UDP/$R_UDP/$V_UDP, tcp $G_TCP/$A_TCP/$C_TCP"

# --- the handshakes --------------------------------------------------------------------------
# hs NAME ARGS...: the example with the profile's CA and ARGS; output in $WORK/NAME.out.
hs() {
  local name=$1
  shift
  timeout 30 "$OVPN_HS" --ca "$K/profile-ca.crt" --timeout 3s "$@" >"$WORK/$name.out" 2>&1
  note "$name: exit $?: $(grep '^summary:' "$WORK/$name.out" | cut -c10-)"
}
# has NAME LINE-REGEX: the output of NAME has a line matching it.
has() { grep -Eq -- "$2" "$WORK/$1.out" || { note "$1: no line matches /$2/" && return 1; }; }
# completed NAME: a completed handshake whose chain verifies with the profile's CA, with the
# server's messages acked, all of ours acknowledged, and TLS in P_CONTROL_V1 both ways.
completed() {
  has "$1" '^status: completed$' && has "$1" '^ca: Some\(Verified\)$' &&
    has "$1" '^version: TLSv1\.[23]$' && has "$1" '^chain: [12] certificates$' &&
    has "$1" 'unacked \[\]' && has "$1" 'final flight acked true' &&
    has "$1" '^packet: .* -> P_CONTROL_V1 ' && has "$1" '^packet: .* <- P_CONTROL_V1 '
}
show() { sed 's/^/        /' "$WORK/$1.out" | head -40; }

hs good-udp --udp "127.0.0.1:$G_UDP"
check "good server over UDP: the TLS handshake completes, chain verified with the profile's CA" completed good-udp || show good-udp
check "the post-quantum ClientHello is split into two control packets of OpenVPN's size" \
  has good-udp 'ClientHello 1[0-9]{3} bytes in \[1, 2\]'
hs good-udp-small --udp "127.0.0.1:$G_UDP" --no-post-quantum
check "good server over UDP, small ClientHello: one packet, completes" completed good-udp-small
has good-udp-small 'ClientHello [0-9]+ bytes in \[1\]' || note "the small ClientHello took more than one packet"
hs good-tcp --tcp "127.0.0.1:$G_TCP"
check "good server over TCP: the TLS handshake completes" completed good-tcp || show good-tcp
check "over TCP the connect is timed" has good-tcp '^timings: connect Some'
hs tls12 --udp "127.0.0.1:$G_UDP" --tls-version-max 1.2
check "capped at TLS 1.2 (tls-version-max 1.2): completes with TLSv1.2" has tls12 '^version: TLSv1\.2$'
check "  ... and verified" completed tls12

hs auth-udp --udp "127.0.0.1:$A_UDP" --tls-auth "$K/ta.key" --key-direction 1
check "tls-auth over UDP (key-direction 1 against the server's 0): completes" completed auth-udp || show auth-udp
check "  ... every packet of the server's verifies with our key" has auth-udp 'bad auth 0$'
hs auth-tcp --tcp "127.0.0.1:$A_TCP" --tls-auth "$K/ta.key" --key-direction 1
check "tls-auth over TCP: completes" completed auth-tcp || show auth-tcp
hs auth-wrongdir --udp "127.0.0.1:$A_UDP" --tls-auth "$K/ta.key" --key-direction 0
check "tls-auth with the wrong key-direction: no answer, failed at the hard reset" \
  has auth-wrongdir '^status: failed at Reset: no progress within'
check "  ... the server logged our packets' bad HMAC" grep -q 'packet HMAC authentication failed' "$WORK/logs/auth-udp.log"
hs nokey --udp "127.0.0.1:$A_UDP"
check "no key against a tls-auth server: failed at the hard reset" has nokey '^status: failed at Reset:'
hs auth-tcp-wrongdir --tcp "127.0.0.1:$A_TCP" --tls-auth "$K/ta.key" --key-direction 0
check "tls-auth over TCP with the wrong key-direction: the server hangs up at the hard reset" \
  has auth-tcp-wrongdir '^status: failed at Reset: the (server closed the connection|connection was reset)$'

hs crypt-udp --udp "127.0.0.1:$C_UDP" --tls-crypt "$K/ta.key"
check "tls-crypt over UDP: completes" completed crypt-udp || show crypt-udp
hs crypt-tcp --tcp "127.0.0.1:$C_TCP" --tls-crypt "$K/ta.key"
check "tls-crypt over TCP: completes" completed crypt-tcp || show crypt-tcp

hs otherca --udp "127.0.0.1:$O_UDP"
check "a server certificate from another CA: the handshake runs, verification fails" \
  has otherca '^status: failed at Verify: not verified with the profile.s CA'
check "  ... reported as not verified, with the chain kept" has otherca '^ca: Some\(NotVerified' &&
  has otherca '^chain: [12] certificates$'

hs certreq-none --udp "127.0.0.1:$R_UDP"
check "client certificate required, none in the profile: TLS 1.3 finishes on our side, never acked" \
  has certreq-none '^status: failed at FinalFlight: no progress within'
check "  ... the server asked for a certificate from the profile's CA, we had none to offer" \
  has certreq-none '^client cert requested: Some\(\["CN=profile-ca"\]\) offered false$' &&
  has certreq-none 'TLS finished true; final flight acked false'
check "  ... the server refused the handshake (its log)" grep -q 'peer did not return a certificate' "$WORK/logs/certreq-udp.log"
hs certreq-cert --udp "127.0.0.1:$R_UDP" --cert "$K/client.crt" --key "$K/client.key"
check "client certificate required, the profile's <cert>/<key> presented: completes" completed certreq-cert || show certreq-cert
check "  ... the server verified our certificate (its log)" grep -q 'VERIFY OK: depth=0, CN=client' "$WORK/logs/certreq-udp.log"

hs capped --udp "127.0.0.1:$V_UDP" --tls-version-max 1.2
check "tls-version-min 1.3 server, profile capped at 1.2: the ClientHello is never acknowledged" \
  has capped '^status: failed at ClientHello: no progress within' && has capped 'acked through Some\(0\) unacked \[1\]'
check "  ... the server refused it in silence (its log)" grep -q 'unsupported protocol' "$WORK/logs/tls13-udp.log"
hs uncapped --udp "127.0.0.1:$V_UDP"
check "  ... without the cap: completes with TLSv1.3" completed uncapped && has uncapped '^version: TLSv1\.3$'

LOSSY=$(free_port udp) SMALL=$(free_port udp) SMALL_PQ=$(free_port udp)
relay lossy "$LOSSY" "$G_UDP" lose-first-large
relay small "$SMALL" "$G_UDP" drop-large
relay small-pq "$SMALL_PQ" "$G_UDP" drop-large
for r in lossy small small-pq; do
  wait_for 10 relay_ready "$r" || fail "relay $r did not start within 10 s"
done
hs lossy --udp "127.0.0.1:$LOSSY"
check "the first ClientHello packet lost: retransmitted, and the handshake completes" completed lossy || show lossy
check "  ... the log shows the retransmission" has lossy '^packet: .* -> P_CONTROL_V1 msg 1 .*, resent$'
hs small --udp "127.0.0.1:$SMALL" --no-post-quantum
check "datagrams over 1000 bytes dropped, small hello: the server acks it, then the handshake stalls" \
  has small '^status: failed at ClientHello: no progress within'
# The server's whole flight (certificate included) is one packet of about 1200 bytes here.
check "  ... our ClientHello acked (after a resend: the ack rode on the lost flight), no server TLS" \
  has small 'acked through Some\(1\) unacked \[\] received through Some\(0\) ahead \[\]'
check "  ... the relay dropped the server's flight, resent" \
  test "$(grep -c '^dropped server datagram' "$WORK/logs/small.log")" -ge 2
hs small-pq --udp "127.0.0.1:$SMALL_PQ"
check "datagrams over 1000 bytes dropped, post-quantum hello: never acked" \
  has small-pq '^status: failed at ClientHello: no progress within'
check "  ... the large ClientHello packet was resent and stays unacknowledged" \
  has small-pq 'unacked \[1, 2\]' && has small-pq '^packet: .* -> P_CONTROL_V1 msg 1 .*\(1210 on the wire\), resent$'

CLOSED_UDP=$(free_port udp) CLOSED_TCP=$(free_port tcp)
hs closed-udp --udp "127.0.0.1:$CLOSED_UDP"
check "nothing on the UDP port: ICMP unreachable, failed at the hard reset: closed" \
  has closed-udp '^status: failed at Reset: the port is closed$'
hs closed-tcp --tcp "127.0.0.1:$CLOSED_TCP"
check "nothing on the TCP port: refused, failed at the connect: closed" \
  has closed-tcp '^status: failed at Connect: the port is closed$'

check "no credentials were ever sent (the auth-user-pass-verify script saw no username)" test ! -s "$USERS"
# Every server is still running: none was crashed or confused by the check.
alive_all() {
  local s
  for s in "${SERVERS[@]}"; do
    grep -q 'Initialization Sequence Completed' "$WORK/logs/$s.log" || return 1
    grep -Eq 'Exiting due to fatal error|SIGTERM' "$WORK/logs/$s.log" && return 1
  done
  return 0
}
check "every server is still up" alive_all
