# shellcheck shell=bash
# Helpers for the interop scripts. run.sh sources this file, then the script, in one bash
# process per script (so each script's processes are cleaned up when it ends), with:
#   BIN   the release binary        WORK  a temp dir for this run (removed at the end)
#   HERE  tests/interop             RUN   "$WORK/run": per-script pids, cleanups and counts
#   INTEROP_SCRIPT  the script's file name, e.g. 10-chrony.sh
#   PYTHON  python3 for the helpers below (Debian's when there)
#
# Reporting:  pass MSG / fail MSG / note MSG / check MSG CMD... (pass if CMD succeeds)
# Waiting:    wait_for SECONDS CMD...   (polls CMD every 0.1 s; every wait is bounded)
# Processes:  spawn NAME CMD...         (background, log in $WORK/logs/NAME.log, pid in $SPAWNED)
#             on_exit CMD...            (run at the end of the script, even when it is killed)
# Setup:      q CMD...                  (a setup step, its output in $WORK/logs/$SETUP_LOG.log;
#                                        a failure is reported and ends the script)
#             netns NAME, in_ns CMD...  (a private network namespace, only lo; $NS)
# Network:    free_port udp|tcp         (a free 127.0.0.1 port)
#             sntp_query PORT           (prints "offset_s stratum leap" from one SNTP reply)
#             start_chronyd NAME [FAKETIME]  (a real chronyd on loopback; sets CHRONY_PORT)
# JSON:       json_get FILE EXPR        (EXPR in Python with the document as `d`; strings raw,
#                                        the rest as JSON: null, true, 12.5, ["a"])
#
# A new script, NN-name.sh: make it executable, start it with the line that lets it run alone
#   [[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"
# then start its peers with spawn (or on_exit for daemons that detach) and report with check,
# pass and fail. `return` ends it early; every wait needs a bound (wait_for, timeout N).

# Debian's python3 (installed by run.sh) starts faster than a version manager's shim.
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3
PASSED=0
FAILED=0
PIDS=()
CLEANUPS=()

pass() {
  PASSED=$((PASSED + 1))
  printf 'PASS  %s\n' "$*"
}

fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$*"
}

note() {
  printf '      %s\n' "$*"
}

check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# wait_for SECONDS CMD...: true as soon as CMD succeeds, false once SECONDS have passed.
wait_for() {
  local secs=$1
  shift
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  while :; do
    "$@" && return 0
    (($(date +%s%N) >= deadline)) && return 1
    sleep 0.1
  done
}

# spawn NAME CMD...: starts CMD in the background (stdin /dev/null, output to its log) in a
# process group of its own, and tracks it for cleanup: the whole group is killed, so wrappers
# that fork (faketime does) take their children with them. Its pid (= the group) is in $SPAWNED.
spawn() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$WORK/logs/$name.log" 2>&1 &
  SPAWNED=$!
  PIDS+=("$SPAWNED")
  echo "$SPAWNED" >>"$RUN/$INTEROP_SCRIPT.pids"
}

# q CMD...: runs a setup step, its output in the script's setup log; a failure ends the script.
q() {
  local log="$WORK/logs/${SETUP_LOG:-setup}.log"
  "$@" >>"$log" 2>&1 && return 0
  fail "setting up: $*" && tail -n 5 "$log" | sed 's/^/        /'
  exit 0
}

# netns NAME: a private network namespace of the script's own (only lo, up), deleted when the
# script ends; its name in $NS. in_ns CMD... runs CMD in it.
netns() {
  NS="tlsd-$1-$$"
  q ip netns add "$NS"
  on_exit "ip netns del '$NS'"
  q ip netns exec "$NS" ip link set lo up
}
in_ns() { ip netns exec "$NS" "$@"; }

# on_exit CMD...: runs CMD (as one shell line) when the script ends.
on_exit() {
  CLEANUPS+=("$*")
  printf '%s\n' "$*" >>"$RUN/$INTEROP_SCRIPT.cleanup"
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# group_alive PGID: some process of the group is still running (zombies do not count).
group_alive() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# Stops every tracked process: SIGTERM, up to 3 s to go, then SIGKILL.
stop_all() {
  local c pid
  for c in "${CLEANUPS[@]}"; do bash -c "$c" >/dev/null 2>&1 || true; done
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  local deadline=$(($(date +%s%N) + 3000000000))
  for pid in "${PIDS[@]}"; do
    while group_alive "$pid" && (($(date +%s%N) < deadline)); do sleep 0.05; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -f "$RUN/$INTEROP_SCRIPT.pids" "$RUN/$INTEROP_SCRIPT.cleanup"
  PIDS=()
  CLEANUPS=()
}

interop_exit() {
  stop_all
  echo "$PASSED $FAILED" 2>/dev/null >"$RUN/$INTEROP_SCRIPT.counts"
}
trap interop_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

free_port() {
  "$PYTHON" - "${1:-tcp}" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

json_get() {
  "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
try:
    v = eval(sys.argv[2], {"d": d, "abs": abs, "any": any, "all": all, "len": len})
except Exception as e:
    sys.exit(f"json_get {sys.argv[2]!r}: {type(e).__name__}: {e}")
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

# sntp_query PORT: one SNTP (v4, client mode) request to 127.0.0.1:PORT, 1 s timeout.
# Prints "offset_s stratum leap"; fails on silence or a reply that is not a server reply.
sntp_query() {
  "$PYTHON" - "$1" <<'EOF'
import socket, struct, sys, time
EPOCH = 2208988800
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
req = bytearray(48)
req[0] = (4 << 3) | 3
t1 = time.time()
struct.pack_into("!II", req, 40, int(t1 + EPOCH), int(((t1 + EPOCH) % 1) * 2**32))
try:
    s.sendto(req, ("127.0.0.1", int(sys.argv[1])))
    d, _ = s.recvfrom(512)
except OSError:
    sys.exit(1)
t4 = time.time()
if len(d) < 48 or d[0] & 7 != 4 or d[24:32] != req[40:48]:
    sys.exit(1)
def ts(o):
    a, b = struct.unpack_from("!II", d, o)
    return a - EPOCH + b / 2**32
t2, t3 = ts(32), ts(40)
print("%.6f %d %d" % (((t2 - t1) + (t3 - t4)) / 2, d[1], d[0] >> 6))
EOF
}

# ntp_serving PORT: the server answers with a usable time (synchronised, stratum 1-15).
ntp_serving() {
  local offset stratum leap
  read -r offset stratum leap < <(sntp_query "$1") || return 1
  [[ -n $offset && $leap != 3 ]] && ((stratum >= 1 && stratum <= 15))
}

# start_chronyd NAME [FAKETIME_SPEC]: a real chronyd serving NTP on a free loopback port, as a
# local stratum-8 server, optionally under `faketime -f SPEC`. Always -x: it never touches the
# system clock. No command port, no Unix command socket (so it cannot be mistaken for the
# machine's own chronyd), no drift file. Waits (10 s at most) until it serves time; sets
# CHRONY_PORT. A second try on another port covers a port taken between free_port and the
# bind; fails, with its log, if that does not serve either.
start_chronyd() {
  local name=$1 fake=${2:-} port conf try
  for try in 1 2; do
    port=$(free_port udp) || return 1
    conf="$WORK/$name.conf"
    cat >"$conf" <<EOF
port $port
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
bindcmdaddress /
pidfile $WORK/$name.pid
EOF
    local cmd=(chronyd -x -d -u root -f "$conf")
    [[ -n $fake ]] && cmd=(faketime -f "$fake" "${cmd[@]}")
    spawn "$name" "${cmd[@]}"
    CHRONY_PORT=$port
    wait_for 10 ntp_serving "$port" && return 0
    note "chronyd $name (port $port, try $try) did not serve time within 10 s; its log:"
    sed 's/^/        /' "$WORK/logs/$name.log"
    kill -KILL -- "-$SPAWNED" 2>/dev/null
  done
  return 1
}

# --- a real terminal ---------------------------------------------------------------------
# tmux_server: a tmux server of the script's own on its own socket (the user's tmux is never
# touched), killed when the script ends. Then: t ARGS (tmux on that socket), and for the
# session T: screen, flag NAME, flag_is NAME VALUE, screen_has RE, screen_lacks RE, tui_pid,
# tui_gone, stop_tui, show_screen WHY.
tmux_server() {
  TMUX_SOCK="$WORK/tmux-$INTEROP_SCRIPT.sock"
  on_exit "tmux -S '$TMUX_SOCK' kill-server"
}
t() { tmux -u -S "$TMUX_SOCK" -f /dev/null "$@"; }
screen() { t capture-pane -p -t T; }
flag() { t display -p -t T "#{$1}"; }
flag_is() { [[ $(flag "$1") == "$2" ]]; }
screen_has() { screen | grep -Eq -- "$1"; }
screen_lacks() { ! screen | grep -Eq -- "$1"; }
screen_has_text() { screen | grep -Fq -- "$1"; }
# The dashboard's pid: the child of the pane's shell, never anyone else's tlsdoctor-tui.
tui_pid() { pgrep -P "$(flag pane_pid)" -x tlsdoctor-tui; }
tui_gone() { ! tui_pid >/dev/null; }
# stop_tui: ends a dashboard a failed check left running, so the next run starts clean.
stop_tui() {
  local pid
  pid=$(tui_pid) || return 0
  kill -TERM "$pid" 2>/dev/null
  wait_for 5 tui_gone || kill -KILL "$pid" 2>/dev/null
  wait_for 5 tui_gone
}
show_screen() {
  note "the screen ($1):"
  screen | sed 's/^/      | /'
}

# --- an OpenVPN server to block ---------------------------------------------------------------
# openvpn_in NS ADDR PORT: a CA and a server certificate in the current directory, and a p2p
# `openvpn --dev null --tls-server` on UDP ADDR:PORT in the network namespace NS, bound (its log
# is logs/openvpn.log). Fails (and says so) when it does not start within 10 s.
openvpn_in() {
  local ns=$1 addr=$2 port=$3
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout ca.key -out ca.crt -subj "/CN=$INTEROP_SCRIPT-ca"
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
    -out server.csr -subj /CN=server
  q openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out server.crt
  spawn openvpn ip netns exec "$ns" openvpn --dev null --tls-server --ca ca.crt --cert server.crt \
    --key server.key --dh none --local "$addr" --proto udp --port "$port" --verb 3
  if ! wait_for 10 grep -q 'link local (bound)' "$WORK/logs/openvpn.log"; then
    fail "openvpn did not start within 10 s" && tail -5 "$WORK/logs/openvpn.log" | sed 's/^/        /'
    return 1
  fi
}

# vpn_config FILE HOST PORT: a config with no clock servers and one target, HOST with the
# probe openvpn-udp:PORT.
vpn_config() {
  printf '[clock]\nservers = []\n\n[network]\ntimeout = "2s"\ncaptive_url = ""\n\n[[targets]]\nname = "vpn"\nhost = "%s"\nprobes = ["openvpn-udp:%s"]\n' \
    "$2" "$3" >"$1"
}
# fix_argv JSON CODE KEY: the command of CODE's fix KEY in the report JSON, as JSON.
fix_argv() {
  json_get "$1" "[x['command'] for f in d['findings'] if f['code'] == '$2' for x in f['fixes'] if x['key'] == '$3'][0]"
}

# --- a fix, end to end, in a real terminal ------------------------------------------------------
# tui_shell PREFIX: the session T (80x24, in the current directory): a bash without rc files,
# started under PREFIX (e.g. "ip netns exec NS"; may be empty), at its prompt.
tui_shell() {
  tmux_server
  t new-session -d -s T -x 80 -y 24 -c "$PWD" \
    "$1 env HISTFILE=/dev/null PS1='$ ' LANG=C.UTF-8 bash --norc --noprofile" || {
    fail "tmux starts a session"
    return 1
  }
  wait_for 5 screen_has '\$' || note "no shell prompt in the pane yet"
}
# tui_start CONFIG: the dashboard on CONFIG in that shell, which prints TUI=STATUS after it.
tui_start() {
  t send-keys -t T -l "clear; $BIN -c $1; echo TUI=\$?"
  t send-keys -t T Enter
}
tui_exited() { screen | grep -q '^TUI=[0-9]'; }
# to_finding CODE HEADLINE_RE: CODE's finding is the headline (HEADLINE_RE on screen), and the
# Findings pane (4) has the focus, its row selected.
to_finding() {
  check "tui: $1 is the headline" wait_for 15 screen_has "$2"
  t send-keys -t T 4
  wait_for 5 screen_has "(error|warning) +$1" || note "no $1 row yet"
}
# fix_journey CODE KEY COMMAND CHANGED WHAT: with CODE's finding selected, f opens its fixes,
# KEY shows COMMAND (a fixed string) and waits for y/n, y runs it in the real terminal (the
# dashboard suspended), CHANGED (a command, retried) proves what it changed (WHAT), Enter
# brings the dashboard back, the re-run ends with the finding resolved and gone, q exits 0.
fix_journey() {
  local code=$1 key=$2 command=$3 changed=$4 what=$5
  t send-keys -t T f
  check "tui: f opens its fixes" wait_for 5 screen_has "Fixes for $code"
  t send-keys -t T "$key"
  check "tui: the exact command, waiting for y/n" wait_for 5 screen_has_text "$command"
  t send-keys -t T y
  check "tui: it runs in the real terminal (the dashboard suspended)" wait_for 10 flag_is alternate_on 0
  check "tui: $what" wait_for 10 "$changed"
  t send-keys -t T Enter
  check "tui: Enter brings the dashboard back" wait_for 10 flag_is alternate_on 1
  check "tui: the re-run ends with the finding resolved" wait_for 15 screen_has 'resolved'
  check "tui: $code is gone" wait_for 10 screen_lacks "(error|warning) +$code"
  show_screen "after the fix"
  t send-keys -t T q
  check "tui: q exits" wait_for 10 tui_exited
  check "tui: with status 0" screen_has '^TUI=0'
  stop_tui
}
