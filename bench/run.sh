#!/usr/bin/env bash
# The performance bench: tlsdoctor-tui against its own figures and against a sequential
# `openssl s_client` loop, on loopback, in a private network namespace (so chronyd can serve
# on port 123 and a "blackholed" route can drop every packet without touching the machine).
#
#   bench/run.sh             the full bench: 10, 100 and 1000 targets, medians of 3 rounds
#   BENCH_QUICK=1 bench/run.sh   its short form (10 and 100 targets, 1 round), as CI runs it
#
# It installs what it needs (nginx, chrony, ntpsec-ntpdig, openssl, tmux; as root on Debian),
# builds the release binary unless BIN is given, and prints each goal with its figure and
# "met" or "NOT met". Needs root (unshare -n).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"

need=()
for pair in nginx:nginx chronyd:chrony ntpdig:ntpsec-ntpdig openssl:openssl tmux:tmux ip:iproute2 python3:python3; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if ((${#need[@]})); then
  echo "bench: installing ${need[*]}"
  made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Never start the services these packages ship (chronyd would answer for the clock).
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
fi

if [[ -z ${BIN:-} ]]; then
  (cd "$ROOT" && cargo build --release --locked -q)
  BIN="$ROOT/target/release/tlsdoctor-tui"
fi
export BIN
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
exec unshare -n -- bash -c "ip link set lo up && exec $PY '$HERE/bench.py'"
