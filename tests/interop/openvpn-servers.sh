# shellcheck shell=bash
# Real multi-client OpenVPN servers for the handshake scripts (35, 36), sourced after lib.sh:
#   ca NAME               a CA in $K
#   leaf NAME CA EKU      a certificate signed by CA with that extended key usage ("" none);
#                         FAKE=-10d shifts its validity (faketime)
#   certserver NAME udp|tcp PORT CERT EXTRA...   a server (`--dev tun --server 10.8.N.0 …
#                         --topology subnet`) on 127.0.0.1:PORT with CERT, asking for a client
#                         certificate signed by profile-ca
#   server NAME udp|tcp PORT CERT EXTRA...       the same, asking for none
#   servers_ready NAME... waits for each (10 s), reports and returns 1 when one does not start
#   relay NAME PORT UPSTREAM MODE, relay_ready NAME   a UDP relay in front of a server (below)
# Every server runs `auth-user-pass-verify`, whose script appends each username it is given to
# $USERS: the file must stay empty, since the checks never send credentials. Nothing is sent
# to the tun addresses.

K="$WORK/pki"
mkdir -p "$K"
USERS="$WORK/users.txt"
: >"$USERS"
cat >"$WORK/record-user.sh" <<EOS
#!/bin/sh
# auth-user-pass-verify via-file: \$1 holds the username, then the password.
head -n 1 "\$1" >>"$USERS"
exit 1
EOS
chmod +x "$WORK/record-user.sh"

ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$K/$1.key" -out "$K/$1.crt" -subj "/CN=$1"
}
leaf() {
  if [[ -n $3 ]]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=%s\n' "$3" >"$K/$1.ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' >"$K/$1.ext"
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$K/$1.key" -out "$K/$1.csr" -subj "/CN=$1" &&
    ${FAKE:+faketime -f "$FAKE"} openssl x509 -req -in "$K/$1.csr" -CA "$K/$2.crt" -CAkey "$K/$2.key" -CAcreateserial \
      -days 2 -out "$K/$1.crt" -extfile "$K/$1.ext"
}

OVPN_NET=100
certserver() {
  local name=$1 proto=$2 port=$3 cert=$4
  shift 4
  [[ $proto == tcp ]] && proto=tcp-server
  OVPN_NET=$((OVPN_NET + 1))
  spawn "$name" openvpn --dev tun --server "10.8.$OVPN_NET.0" 255.255.255.0 --topology subnet \
    --ca "$K/profile-ca.crt" --cert "$K/$cert.crt" --key "$K/$cert.key" --dh none \
    --local 127.0.0.1 --proto "$proto" --port "$port" --tmp-dir "$WORK" --verb 3 \
    --auth-user-pass-verify "$WORK/record-user.sh" via-file --script-security 2 "$@"
}
server() {
  local name=$1 proto=$2 port=$3 cert=$4
  shift 4
  certserver "$name" "$proto" "$port" "$cert" --verify-client-cert none "$@"
}
ovpn_ready() { grep -q 'Initialization Sequence Completed' "$WORK/logs/$1.log" 2>/dev/null; }
servers_ready() {
  local s
  for s in "$@"; do
    if ! wait_for 10 ovpn_ready "$s"; then
      fail "openvpn $s did not start within 10 s; its log:" && sed 's/^/        /' "$WORK/logs/$s.log" | tail -15
      return 1
    fi
  done
}

# relay NAME PORT UPSTREAM MODE: a UDP relay on 127.0.0.1:PORT in front of UPSTREAM, for one
# client. MODE lose-first-large: the first client datagram over 1000 bytes is lost (once);
# drop-large: every datagram over 1000 bytes is dropped, both ways (a path that loses large
# datagrams or their fragments).
relay() {
  spawn "$1" "$PYTHON" -u -c "$RELAY_PY" "$2" "$3" "$4"
}
RELAY_PY='
import select, socket, sys
port, upstream, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
front.bind(("127.0.0.1", port))
back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
back.connect(("127.0.0.1", upstream))
client, lost = None, False
print("ready", flush=True)
while True:
    ready, _, _ = select.select([front, back], [], [])
    if front in ready:
        data, client = front.recvfrom(65535)
        if len(data) > 1000 and (mode == "drop-large" or (mode == "lose-first-large" and not lost)):
            lost = True
            print("dropped client datagram of", len(data), flush=True)
        else:
            back.send(data)
    if back in ready:
        try:
            data = back.recv(65535)
        except OSError:
            continue
        if len(data) > 1000 and mode == "drop-large":
            print("dropped server datagram of", len(data), flush=True)
        elif client:
            front.sendto(data, client)
'
relay_ready() { grep -q '^ready' "$WORK/logs/$1.log" 2>/dev/null; }
