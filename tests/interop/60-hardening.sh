#!/usr/bin/env bash
# The dashboard under job control, signals and a crash, in a real terminal (tmux at 80x24
# running a shell). SIGTSTP (kill -TSTP, and Ctrl-Z typed into the dashboard) gives the shell
# its terminal back while stopped (main screen, cursor shown, cooked mode); `fg` brings raw
# mode and the alternate screen back, redrawn, so a bare `q` quits. SIGINT, SIGTERM and SIGHUP
# end it with 130, 143 and 129, the terminal restored. A probe that panics (the debug build's
# test hook) stops the dashboard with status 3, the terminal restored and the panic report
# named. Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through it.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

TMUX_SOCK="$WORK/tmux-hardening.sock"
t() { tmux -u -S "$TMUX_SOCK" -f /dev/null "$@"; }
on_exit "tmux -S '$TMUX_SOCK' kill-server"

screen() { t capture-pane -p -t H; }
flag() { t display -p -t H "#{$1}"; }
flag_is() { [[ $(flag "$1") == "$2" ]]; }
screen_has() { screen | grep -Eq -- "$1"; }
tui_pid() { pgrep -P "$(flag pane_pid)" -f 'tlsdoctor-tui'; }
tui_gone() { ! tui_pid >/dev/null; }
# The terminal's mode as the pane's tty has it: raw (no icanon, no echo) or cooked.
tty_raw() { stty -a -F "$(flag pane_tty)" | grep -q -- '-icanon' && stty -a -F "$(flag pane_tty)" | grep -q -- '-echo '; }
tty_cooked() { stty -a -F "$(flag pane_tty)" | grep -Eq -- '(^| )icanon' && stty -a -F "$(flag pane_tty)" | grep -Eq -- '(^| )echo '; }
# stopped PID: its state is T (stopped by job control).
stopped() { [[ $(ps -o stat= -p "$1" 2>/dev/null) == T* ]]; }
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != T* && $s != Z* ]]; }
stop_tui() {
  local pid
  pid=$(tui_pid) || return 0
  kill -CONT "$pid" 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
  wait_for 5 tui_gone
}
show_screen() {
  note "the screen ($1):"
  screen | sed 's/^/      | /'
}

# No network at all: the dashboard shows its panes and waits.
cat >"$WORK/hard.toml" <<EOF2
targets = []

[clock]
servers = []

[network]
captive_url = ""
EOF2

# An interactive shell (job control: Ctrl-Z, fg) without readline, so the terminal's mode at
# its prompt is the one the dashboard left (readline would switch it while reading a line).
t new-session -d -s H -x 80 -y 24 -c "$WORK" \
  "env HISTFILE=/dev/null PS1='$ ' LANG=C.UTF-8 bash --norc --noprofile --noediting -i" || {
  fail "tmux starts a session"
  return 0
}
wait_for 5 screen_has '\$' || note "no shell prompt in the pane yet"

# launch MARK [BINARY [ENV...]]: runs the dashboard; the shell prints MARK=<status> after it.
launch() {
  local mark=$1 bin=${2:-$BIN}
  shift 2 2>/dev/null || shift $#
  t send-keys -t H -l "clear; env $* $bin -c $WORK/hard.toml; echo $mark=\$?"
  t send-keys -t H Enter
}
exit_status() { screen | sed -n "s/^$1=\([0-9][0-9]*\).*/\1/p" | tail -n 1; }
exited() { [[ -n $(exit_status "$1") ]]; }
restored() { flag_is alternate_on 0 && flag_is cursor_flag 1 && tty_cooked; }

# --- SIGTSTP and Ctrl-Z, then fg --------------------------------------------------------------
launch TSTP
if wait_for 15 flag_is alternate_on 1 && wait_for 5 tty_raw; then
  pid=$(tui_pid)
  round=0
  for how in "kill -TSTP" "Ctrl-Z"; do
    round=$((round + 1))
    if [[ $how == Ctrl-Z ]]; then t send-keys -t H C-z; else kill -TSTP "$pid"; fi
    check "tstp ($how): the process stops" wait_for 10 stopped "$pid"
    check "tstp ($how): the shell has the main screen back" wait_for 5 flag_is alternate_on 0
    check "tstp ($how): the cursor is visible while stopped" flag_is cursor_flag 1
    check "tstp ($how): the terminal is in cooked mode while stopped" wait_for 5 tty_cooked
    check "tstp ($how): the shell says the job stopped" wait_for 5 screen_has 'Stopped'
    # The shell went on with the line (TSTP=147, a stopped job's status); fg's own status is
    # the dashboard's when it ends.
    t send-keys -t H -l "fg; echo FG$round=\$?"
    t send-keys -t H Enter
    check "tstp ($how): after fg it runs again" wait_for 10 running "$pid"
    check "tstp ($how): after fg the alternate screen is back" wait_for 10 flag_is alternate_on 1
    check "tstp ($how): after fg raw mode is back" wait_for 5 tty_raw
    check "tstp ($how): after fg the cursor is hidden" wait_for 5 flag_is cursor_flag 0
    check "tstp ($how): after fg the dashboard is redrawn" wait_for 5 screen_has 'Clock'
    show_screen "after $how and fg"
  done
  # Raw mode for real: a bare q (no Enter) quits.
  t send-keys -t H q
  check "tstp: a bare q quits after fg" wait_for 10 exited "FG$round"
  check "tstp: with status 0 (status $(exit_status "FG$round"))" test "$(exit_status "FG$round")" = 0
  check "tstp: the terminal is restored" wait_for 5 restored
else
  fail "tstp: the dashboard starts in raw mode on the alternate screen"
  show_screen "start"
fi
stop_tui

# --- Ctrl-Z while a fix's command runs in the terminal ----------------------------------------
# The command (a stand-in timedatectl that takes a few seconds) shares the dashboard's process
# group: Ctrl-Z stops both, the shell gets the terminal, `fg` continues both; the command ends,
# Enter brings the dashboard back. (A handled SIGTSTP that did not stop the dashboard would
# leave the command stopped and the terminal hung.)
if start_chronyd hard-skew "+3h"; then
  mkdir -p "$WORK/standin-slow"
  cat >"$WORK/standin-slow/timedatectl" <<'EOS'
#!/bin/sh
case "$1" in
  show) printf 'NTP=no\nNTPSynchronized=no\n' ;;
  *) echo "slow stand-in: $*"; sleep 4; echo "slow stand-in: done" ;;
esac
EOS
  chmod +x "$WORK/standin-slow/timedatectl"
  cat >"$WORK/skew.toml" <<EOF2
targets = []

[clock]
servers = ["127.0.0.1:$CHRONY_PORT"]
timeout = "2s"

[network]
captive_url = ""
EOF2
  t send-keys -t H -l "clear; PATH=$WORK/standin-slow:\$PATH $BIN -c $WORK/skew.toml; echo FIXZ=\$?"
  t send-keys -t H Enter
  if wait_for 20 screen_has 'clock-skew|3 h 0 m'; then
    t send-keys -t H 4
    t send-keys -t H f
    wait_for 5 screen_has 'Fixes for clock-skew' || note "no fixes window for clock-skew"
    t send-keys -t H t
    wait_for 5 screen_has 'timedatectl set-ntp true' || note "no y/n for the fix"
    t send-keys -t H y
    if wait_for 10 screen_has 'slow stand-in: set-ntp true'; then
      pid=$(tui_pid)
      t send-keys -t H C-z
      check "fix + Ctrl-Z: the shell says the job stopped" wait_for 10 screen_has 'Stopped'
      check "fix + Ctrl-Z: the dashboard is stopped too" wait_for 5 stopped "$pid"
      t send-keys -t H -l "fg; echo FIXFG=\$?"
      t send-keys -t H Enter
      check "fix + Ctrl-Z: after fg the command finishes" wait_for 15 screen_has 'slow stand-in: done'
      check "fix + Ctrl-Z: and asks for Enter" wait_for 5 screen_has 'Press Enter'
      t send-keys -t H Enter
      check "fix + Ctrl-Z: Enter brings the dashboard back" wait_for 10 flag_is alternate_on 1
      check "fix + Ctrl-Z: in raw mode" wait_for 5 tty_raw
      t send-keys -t H q
      check "fix + Ctrl-Z: q quits with 0" wait_for 10 eval '[[ $(exit_status FIXFG) == 0 ]]'
      check "fix + Ctrl-Z: the terminal is restored" wait_for 5 restored
    else
      fail "fix + Ctrl-Z: the slow stand-in runs in the terminal"
    fi
  else
    fail "fix + Ctrl-Z: the clock skew is found"
  fi
  show_screen "after the fix and Ctrl-Z"
  stop_tui
else
  fail "fix + Ctrl-Z: a chronyd three hours ahead"
fi

# --- signals: 128 + the signal's number -------------------------------------------------------
for pair in INT:130 TERM:143 HUP:129; do
  sig=${pair%%:*} want=${pair##*:}
  launch "$sig"
  if ! wait_for 15 flag_is alternate_on 1; then
    fail "sig$sig: the dashboard starts"
    stop_tui
    continue
  fi
  pid=$(tui_pid)
  kill -"$sig" "$pid"
  check "SIG$sig: it ends" wait_for 10 tui_gone
  wait_for 5 exited "$sig"
  check "SIG$sig: exit status $want (status $(exit_status "$sig"))" test "$(exit_status "$sig")" = "$want"
  check "SIG$sig: it says which signal stopped it" screen_has "stopped by SIG$sig"
  check "SIG$sig: the terminal is restored" wait_for 5 restored
  stop_tui
done

# --- a probe that panics (the debug build's test hook) ----------------------------------------
DEBUG_BIN=${DEBUG_BIN:-$HERE/../../target/debug/tlsdoctor-tui}
if [[ -x $DEBUG_BIN ]]; then
  cat >"$WORK/panic.toml" <<EOF2
targets = []

[clock]
servers = ["127.0.0.1:9"]

[network]
captive_url = ""
EOF2
  t send-keys -t H -l "clear; env TLSDOCTOR_TEST_PANIC_PROBE=ntp XDG_STATE_HOME=$WORK/state $DEBUG_BIN -c $WORK/panic.toml; echo PANIC=\$?"
  t send-keys -t H Enter
  check "panic: the dashboard stops by itself" wait_for 20 exited PANIC
  check "panic: exit status 3 (status $(exit_status PANIC))" test "$(exit_status PANIC)" = 3
  check "panic: the terminal is restored" wait_for 5 restored
  check "panic: it says internal error" screen_has 'internal error'
  # -J: the path may wrap at 80 columns.
  report=$(t capture-pane -p -J -t H | sed -n 's/^ *the panic report is //p' | tail -n 1)
  check "panic: the panic report ($report) exists, 0600" \
    test -f "$report" -a "$(stat -c %a "$report" 2>/dev/null)" = 600
  check "panic: the log is named" screen_has 'the log is '
  show_screen "after the panic"
  stop_tui
else
  note "no debug build at $DEBUG_BIN (cargo test makes one): the panic journey is skipped"
fi

# --- the loop itself panics (the debug build's test hook) -------------------------------------
if [[ -x $DEBUG_BIN ]]; then
  t send-keys -t H -l "clear; env TLSDOCTOR_TEST_PANIC_LOOP=1 XDG_STATE_HOME=$WORK/state $DEBUG_BIN -c $WORK/hard.toml; echo LOOP=\$?"
  t send-keys -t H Enter
  check "loop panic: the dashboard stops" wait_for 20 exited LOOP
  check "loop panic: exit status 3 (status $(exit_status LOOP))" test "$(exit_status LOOP)" = 3
  check "loop panic: the terminal is restored" wait_for 5 restored
  check "loop panic: it says internal error, in the loop's thread" screen_has "internal error: thread 'main'"
  report=$(t capture-pane -p -J -t H | sed -n 's/^ *the panic report is //p' | tail -n 1)
  check "loop panic: the panic report ($report) exists, 0600" \
    test -f "$report" -a "$(stat -c %a "$report" 2>/dev/null)" = 600
  show_screen "after the loop's panic"
  stop_tui
fi
