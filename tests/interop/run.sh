#!/usr/bin/env bash
# The interop suite: tlsdoctor-tui against real peers nobody here wrote (chronyd, a real
# terminal under tmux, and more as scripts are added), all on loopback.
#
#   tests/interop/run.sh              every tests/interop/[0-9][0-9]-*.sh, in order
#   tests/interop/run.sh 10 20-tui    only the scripts whose names start with these
#
# It installs the Debian packages it needs when they are missing (as root), builds the release
# binary once, then runs each script in its own bash process with lib.sh's helpers, under a
# time limit, and kills whatever the script started when it ends. Ends with the line
# "N passed, N failed" and a non-zero exit if anything failed.
#
# Environment: BIN=path uses that binary instead of building one; SCRIPT_TIMEOUT (seconds,
# default 300) bounds each script; KEEP_WORK=1 keeps the temp dir (logs, configs, JSON).

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-600}
PACKAGES=(chrony faketime openvpn tmux openssl python3 procps nginx tinyproxy nftables iptables ufw iproute2 wireguard-go wireguard-tools)
# The command each package must provide here.
declare -A PROVIDES=([chrony]=chronyd [faketime]=faketime [openvpn]=openvpn [tmux]=tmux
  [openssl]=openssl [python3]=python3 [procps]=pgrep [nginx]=nginx [tinyproxy]=tinyproxy
  [nftables]=nft [iptables]=iptables-legacy [ufw]=ufw [iproute2]=ip [wireguard-go]=wireguard-go [wireguard-tools]=wg)
export PATH="$PATH:/usr/sbin:/sbin"

say() { printf '==> %s\n' "$*"; }
now_ns() { date +%s%N; }
# secs_since NS: seconds since NS (from now_ns), as "12.345".
secs_since() {
  local ms=$((($(now_ns) - $1) / 1000000))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# --- packages -------------------------------------------------------------------------------
t0=$(now_ns)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if command -v dpkg-query >/dev/null; then
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] ||
      missing+=("$pkg")
  elif ! command -v "${PROVIDES[$pkg]}" >/dev/null; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "interop: missing packages: ${missing[*]}; install them (Debian: apt-get install" \
      "${missing[*]}) or run this as root on Debian" >&2
    exit 2
  fi
  say "installing ${missing[*]}"
  apt_log=$(mktemp)
  # Never start the services these packages ship (chronyd above all: it would answer for
  # the machine's clock), as on a Docker image.
  made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d &&
      made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get -qq update && apt-get -qq install -y --no-install-recommends "${missing[@]}"; } \
    >"$apt_log" 2>&1; then
    [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
    echo "interop: apt-get failed; its output:" >&2
    tail -n 30 "$apt_log" >&2
    exit 2
  fi
  [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
  rm -f "$apt_log"
  say "installed in $(secs_since "$t0")s"
fi
for pkg in "${PACKAGES[@]}"; do
  command -v "${PROVIDES[$pkg]}" >/dev/null ||
    { echo "interop: ${PROVIDES[$pkg]} (package $pkg) is not on PATH" >&2 && exit 2; }
done

# --- the binary -----------------------------------------------------------------------------
if [[ -z ${BIN:-} ]]; then
  say "cargo build --release --bin tlsdoctor-tui"
  t0=$(now_ns)
  (cd "$ROOT" && cargo build --release --locked --bin tlsdoctor-tui) || exit 2
  say "built in $(secs_since "$t0")s"
  BIN="$ROOT/target/release/tlsdoctor-tui"
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[[ -x $BIN ]] || { echo "interop: no binary at $BIN" >&2 && exit 2; }

# --- the run --------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlsdoctor-interop.XXXXXX")
RUN="$WORK/run"
mkdir -p "$RUN" "$WORK/logs" "$WORK/state"
# The binary logs into the run's dir, not the user's home.
export XDG_STATE_HOME="$WORK/state"
# The checks go where each script says, not through this machine's proxy (the packages and the
# build above may have needed it); 55-proxy.sh sets its own.
unset https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export BIN WORK RUN HERE

current=""
# Whatever a script left (it was killed before its own cleanup ran): its cleanups, its pids.
cleanup() {
  [[ -n $current ]] && kill -TERM "$current" 2>/dev/null
  local f pid
  for f in "$RUN"/*.cleanup; do
    [[ -e $f ]] || continue
    while IFS= read -r line; do bash -c "$line" >/dev/null 2>&1; done <"$f"
  done
  for f in "$RUN"/*.pids; do
    [[ -e $f ]] || continue
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done <"$f"
  done
  if [[ -n ${KEEP_WORK:-} ]]; then
    echo "interop: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

scripts=()
for s in "$HERE"/[0-9][0-9]-*.sh; do
  [[ -e $s ]] || continue
  name=$(basename "$s")
  if (($#)); then
    keep=""
    for want in "$@"; do [[ $name == "$want"* ]] && keep=1; done
    [[ -n $keep ]] || continue
  fi
  scripts+=("$s")
done

# faketime's wrapper names a semaphore and a shared memory segment after its pid and leaves
# them behind when it is killed; a later wrapper that gets the same pid then fails ("sem_open:
# File exists"). Those of processes that are gone are removed before each script.
clean_faketime_leftovers() {
  local f pid
  for f in /dev/shm/sem.faketime_sem_* /dev/shm/faketime_shm_*; do
    [[ -e $f ]] || continue
    pid=${f##*_}
    [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null && rm -f "$f"
  done
}

passed=0
failed=0
suite_start=$(now_ns)
for s in "${scripts[@]}"; do
  name=$(basename "$s")
  clean_faketime_leftovers
  say "$name"
  start=$(now_ns)
  INTEROP_SCRIPT=$name timeout -k 10 "$SCRIPT_TIMEOUT" \
    bash -c 'source "$1"; source "$2"' interop "$HERE/lib.sh" "$s" </dev/null &
  current=$!
  wait "$current"
  rc=$?
  current=""
  counts="$RUN/$name.counts"
  if [[ -s $counts ]]; then
    read -r p f <"$counts"
  else
    p=0 f=0
  fi
  if ((rc == 124 || rc == 137)); then
    echo "FAIL  $name: did not finish within ${SCRIPT_TIMEOUT}s"
    f=$((f + 1))
  elif ((rc != 0)); then
    echo "FAIL  $name: ended with exit status $rc"
    f=$((f + 1))
  elif [[ ! -s $counts ]]; then
    echo "FAIL  $name: reported no result"
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  say "$name: $p passed, $f failed in $(secs_since "$start")s"
done

say "interop scripts took $(secs_since "$suite_start")s"
((${#scripts[@]})) || { echo "FAIL  no interop script matched" && failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
((failed == 0))
