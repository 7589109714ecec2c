#!/usr/bin/env bash
# A machine without a route: the binary in a private network namespace (`unshare -n`, only a
# loopback), asked about two addresses off this machine. The kernel refuses the connects at
# once ("Network is unreachable"): each target is tcp-unreachable, and every target failing
# alike is all-targets-failing, in well under a timeout. Nothing leaves the namespace.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

if ! unshare -n true 2>/dev/null; then
  fail "unshare -n works here (it needs root)"
  return 0
fi

cat >"$WORK/noroute.toml" <<EOF2
[clock]
servers = []

[network]
timeout = "5s"
captive_url = ""

[[targets]]
name = "a"
host = "192.0.2.10"

[[targets]]
name = "b"
host = "198.51.100.20"
probes = ["tls", "tcp:80"]
EOF2

start=$(date +%s%N)
timeout 60 unshare -n "$BIN" --once --json -c "$WORK/noroute.toml" >"$WORK/noroute.json" 2>"$WORK/noroute.err"
rc=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
note "exit $rc in ${took_ms} ms; findings: $(json_get "$WORK/noroute.json" \
  '" ".join("%s@%s" % (f["code"], f["target"]) for f in d["findings"])' 2>&1)"
[[ -s $WORK/noroute.err ]] && note "stderr: $(head -c 300 "$WORK/noroute.err")"

codes_of() {
  json_get "$WORK/noroute.json" \
    "' '.join(sorted(set(f['code'] for f in d['findings'] if f['target'] == '$1'))) or '-'"
}
check "a: tcp-unreachable" test "$(codes_of a)" = tcp-unreachable
check "b: tcp-unreachable (its TLS port and port 80)" test "$(codes_of b)" = tcp-unreachable
check "every target fails alike: all-targets-failing" test "$(json_get "$WORK/noroute.json" \
  "any(f['code'] == 'all-targets-failing' for f in d['findings'])")" = true
check "the evidence names the kernel's words" test "$(json_get "$WORK/noroute.json" \
  "any('unreachable' in ' '.join(f['evidence']).lower() for f in d['findings'] if f['code'] == 'tcp-unreachable')")" = true
check "error findings: exit 2 (exit $rc)" test "$rc" = 2
check "refused at once, not after a timeout (${took_ms} ms < 5000 ms)" test "$took_ms" -lt 5000
