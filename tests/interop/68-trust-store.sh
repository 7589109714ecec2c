#!/usr/bin/env bash
# The trust store, end to end, against `openssl s_server` on loopback: a chain whose root is a
# "public" one (Mozilla's roots are replaced by the lab root through TLSDOCTOR_MOZILLA_ROOTS)
# but missing from this machine's CA bundle (SSL_CERT_FILE names an old bundle without it).
# `--once --json` gives ca-bundle-outdated naming the root and the bundle; machine.trust_store
# describes the store. Then the journey in a real terminal (tmux, 80x24): the This machine pane
# (5) marks the trust store, f opens the finding's fixes, b runs `update-ca-certificates` — a
# stand-in on PATH that rebuilds the bundle with the root, as the real one does from
# /usr/local/share/ca-certificates — y, Enter, the re-run reads the new bundle and resolves the
# finding; q exits 0.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

C="$WORK/trust"
mkdir -p "$C/bin"
cd "$C" || exit 1
SETUP_LOG=trust-certs

q openssl ecparam -name prime256v1 -genkey -noout -out root.key
q openssl req -x509 -new -key root.key -sha256 -days 3650 -subj "/CN=Interop Public Root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.pem
q openssl ecparam -name prime256v1 -genkey -noout -out other.key
q openssl req -x509 -new -key other.key -sha256 -days 3650 -subj "/CN=Interop Old Bundle Root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out other.pem
q openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
q openssl req -new -key leaf.key -subj /CN=localhost -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n' >leaf.ext
q openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -sha256 -days 30 \
  -extfile leaf.ext -out leaf.pem
# The machine's bundle, built before the root was added: it holds another root only.
cp other.pem bundle.pem

PORT=""
for try in 1 2; do
  PORT=$(free_port tcp) || break
  spawn s_server-trust openssl s_server -accept "127.0.0.1:$PORT" -www -cert leaf.pem -key leaf.key
  wait_for 5 grep -q '^ACCEPT' "$WORK/logs/s_server-trust.log" && break
  kill -KILL -- "-$SPAWNED" 2>/dev/null
  PORT=""
done
if [[ -z $PORT ]]; then
  fail "s_server did not start"
  return 0
fi

cat >trust.toml <<EOF2
[clock]
servers = []

[network]
timeout = "2s"
captive_url = ""

[[targets]]
name = "news"
host = "localhost"
connect = "127.0.0.1:$PORT"
EOF2

# The stand-in: what update-ca-certificates does for a root placed in the local anchors,
# here for the bundle SSL_CERT_FILE names.
cat >bin/update-ca-certificates <<EOF2
#!/bin/sh
echo "Updating certificates in $C/bundle.pem..."
cat "$C/other.pem" "$C/root.pem" >"$C/bundle.new" && mv "$C/bundle.new" "$C/bundle.pem"
echo "1 added, 0 removed; done."
EOF2
chmod +x bin/update-ca-certificates

export TLSDOCTOR_MOZILLA_ROOTS="$C/root.pem" SSL_CERT_FILE="$C/bundle.pem"
unset SSL_CERT_DIR
timeout 60 "$BIN" --once --json -c trust.toml >before.json 2>before.err
rc=$?
note "once: exit $rc; findings: $(json_get before.json '" ".join(f["code"] for f in d["findings"])' 2>&1)"
check "ca-bundle-outdated is found" test "$(json_get before.json \
  "' '.join(f['code'] for f in d['findings'])")" = ca-bundle-outdated
check "it names the missing root" test "$(json_get before.json \
  "any('lacks CN=Interop Public Root' in f['summary'] for f in d['findings'])")" = true
check "it names the bundle, as SSL_CERT_FILE named it" test "$(json_get before.json \
  "any('$C/bundle.pem (named by SSL_CERT_FILE)' in e for f in d['findings'] for e in f['evidence'])")" = true
check "the handshake itself completed (only the store is wrong)" \
  test "$(json_get before.json 'd["targets"][0]["tls"]["status"]')" = ok
check "machine.trust_store: the bundle, 1 root, lacking 1 of Mozilla's 1" test "$(json_get before.json \
  "[d['machine']['trust_store'][k] for k in ('bundle', 'system_roots', 'mozilla_roots', 'missing_from_system', 'mozilla_source')]")" = \
  "[\"$C/bundle.pem\", 1, 1, 1, \"$C/root.pem\"]"
check "an error: exit 2 (exit $rc)" test "$rc" = 2

# --- the journey in a real terminal ----------------------------------------------------------
bundle_has_root() { grep -q "$(sed -n 2p root.pem)" bundle.pem; }
if tui_shell "env PATH='$C/bin:$PATH' TLSDOCTOR_MOZILLA_ROOTS='$C/root.pem' SSL_CERT_FILE='$C/bundle.pem'"; then
  tui_start trust.toml
  check "tui: ca-bundle-outdated is the headline" wait_for 15 screen_has "ca-bundle-outdated|CA bundle lacks"
  t send-keys -t T 5
  check "tui: This machine marks the trust store" wait_for 5 screen_has '✗ trust store'
  t send-keys -t T j j j j
  t send-keys -t T Enter
  check "tui: Enter shows what the check saw of the store" wait_for 5 screen_has 'This machine: trust store'
  show_screen "the trust store's details"
  t send-keys -t T Escape
  sleep 0.5
  fix_journey ca-bundle-outdated b update-ca-certificates bundle_has_root "the bundle now holds the root"
fi

timeout 60 "$BIN" --once --json -c trust.toml >after.json 2>/dev/null
check "after the fix, no finding" test "$(json_get after.json '" ".join(f["code"] for f in d["findings"])')" = ""
