#!/usr/bin/env bash
# The dashboard in a real terminal: tmux at 80x24 runs a shell, the shell runs tlsdoctor-tui
# against a real chronyd on loopback. It starts on the alternate screen, the clock pane fills,
# `?` shows the help, `q` quits with status 0, and the terminal is given back (main screen,
# cursor visible). Then the same after SIGHUP (what an SSH drop sends) and SIGTERM. Then a fix
# run twice through the real terminal (a stand-in timedatectl), back to the dashboard each time.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

tmux_server

if ! start_chronyd tui-ntp; then
  fail "a chronyd for the dashboard to ask"
  return 0
fi
SERVER="127.0.0.1:$CHRONY_PORT"
cat >"$WORK/tui.toml" <<EOF
targets = []

[clock]
servers = ["$SERVER"]
timeout = "2s"
EOF

# A plain shell in the pane, 80x24, with the run's environment (XDG_STATE_HOME for the log).
t new-session -d -s T -x 80 -y 24 -c "$WORK" \
  "env HISTFILE=/dev/null PS1='$ ' LANG=C.UTF-8 bash --norc --noprofile" || {
  fail "tmux starts a session"
  return 0
}
wait_for 5 screen_has '\$' || note "no shell prompt in the pane yet"

# launch MARK: runs the dashboard in the pane; the shell prints MARK=<exit status> after it.
launch() {
  t send-keys -t T -l "clear; $BIN -c $WORK/tui.toml; echo $1=\$?"
  t send-keys -t T Enter
}

# exit_status MARK: the status the shell printed for this run (empty while it runs).
exit_status() { screen | sed -n "s/^$1=\([0-9][0-9]*\).*/\1/p" | tail -n 1; }
exited() { [[ -n $(exit_status "$1") ]]; }

# The clock pane shows the server with a good reply: its address, and "ok" or an offset.
clock_filled() {
  screen | grep -F -- "$SERVER" | grep -Eqi -- '(^|[^a-z])ok([^a-z]|$)|[+-][0-9.]+ ?(ms|µs|us|s)\b'
}

launch QUIT
check "tui: starts on the alternate screen" wait_for 15 flag_is alternate_on 1
check "tui: hides the cursor while it runs" wait_for 5 flag_is cursor_flag 0
check "tui: the clock pane shows $SERVER with its reply" wait_for 20 clock_filled
check "tui: no help before ? is pressed" eval "screen_lacks 're-run' && screen_lacks Help"
show_screen "running"
t send-keys -t T '?'
check "tui: ? shows the help (its key descriptions)" wait_for 5 screen_has 're-run'
check "tui: the help window has its title" screen_has 'Help'
show_screen "help"
t send-keys -t T Escape
wait_for 5 screen_lacks 're-run' || note "Esc did not close the help"
t send-keys -t T q
check "tui: q exits" wait_for 10 exited QUIT
check "tui: q exits with status 0 (status $(exit_status QUIT))" test "$(exit_status QUIT)" = 0
check "tui: after q the alternate screen is off" flag_is alternate_on 0
check "tui: after q the cursor is visible" flag_is cursor_flag 1
check "tui: after q the process is gone" tui_gone
stop_tui

# A signal instead of a key: SIGHUP is what an SSH drop sends.
for sig in HUP TERM; do
  launch "$sig"
  if ! wait_for 15 flag_is alternate_on 1 || ! wait_for 20 clock_filled; then
    fail "tui: starts again for SIG$sig"
    show_screen "SIG$sig start"
    stop_tui
    continue
  fi
  pid=$(tui_pid)
  if [[ -z $pid ]]; then
    fail "tui: its pid is found for SIG$sig"
    continue
  fi
  kill -"$sig" "$pid"
  check "tui: SIG$sig ends it" wait_for 10 tui_gone
  wait_for 5 exited "$sig"
  status=$(exit_status "$sig")
  # It handles the signal (restores the terminal) and exits with 128 + the signal's number,
  # as a shell expects of a program a signal stopped.
  want=$((128 + $(kill -l "$sig")))
  check "tui: after SIG$sig it exited with $want (status ${status:-none})" \
    test "${status:-none}" = "$want"
  check "tui: after SIG$sig the alternate screen is off" flag_is alternate_on 0
  check "tui: after SIG$sig the cursor is visible" flag_is cursor_flag 1 ||
    show_screen "after SIG$sig"
done

# A fix run through the terminal, twice: the clock is three hours behind (a chronyd under
# faketime), the fix is `timedatectl set-ntp true` through a harmless stand-in on PATH. Each run
# suspends the dashboard, runs the command in the real terminal, waits for Enter and comes
# back to the dashboard (the same terminal, set up again); then q still quits cleanly.
if start_chronyd tui-skew "+3h"; then
  mkdir -p "$WORK/standin"
  cat >"$WORK/standin/timedatectl" <<'EOS'
#!/bin/sh
# A stand-in for timedatectl: answers `show` as a machine without sync would, and says what a
# fix asked for.
case "$1" in
  show) printf 'NTP=no\nNTPSynchronized=no\n' ;;
  *) echo "stand-in timedatectl: $*" ;;
esac
EOS
  chmod +x "$WORK/standin/timedatectl"
  cat >"$WORK/skew.toml" <<EOS
targets = []

[clock]
servers = ["127.0.0.1:$CHRONY_PORT"]
timeout = "2s"
EOS
  t send-keys -t T -l "clear; PATH=$WORK/standin:\$PATH $BIN -c $WORK/skew.toml; echo FIX=\$?"
  t send-keys -t T Enter
  check "tui fix: the clock skew is found" wait_for 20 screen_has 'clock-skew|3 h 0 m'
  for round in 1 2; do
    t send-keys -t T 4
    # f acts on the selected finding: the skew must be listed (first, as the worst) before it.
    wait_for 10 screen_has 'error +clock-skew' || note "tui fix $round: no clock-skew row in the Findings pane"
    t send-keys -t T f
    if ! wait_for 5 screen_has 'Fixes for clock-skew'; then
      fail "tui fix $round: f opens the fixes of clock-skew"
      show_screen "fix $round"
      break
    fi
    t send-keys -t T t
    check "tui fix $round: the command waits for y/n" \
      wait_for 5 screen_has 'timedatectl set-ntp true'
    t send-keys -t T y
    check "tui fix $round: it runs in the real terminal" \
      wait_for 10 screen_has 'stand-in timedatectl: set-ntp true'
    check "tui fix $round: the dashboard is suspended (main screen)" flag_is alternate_on 0
    t send-keys -t T Enter
    check "tui fix $round: Enter brings the dashboard back" wait_for 10 flag_is alternate_on 1
    check "tui fix $round: it says the fix ran (or, its re-run done, what it changed)" wait_for 10 screen_has 'fix done|after timedatectl set-ntp true'
    # The clock is sampled again after the fix, and that re-run ends (timeout 2 s).
    check "tui fix $round: the re-run ends" wait_for 10 screen_lacks 'running|· che'
    show_screen "after fix $round"
  done
  t send-keys -t T q
  check "tui fix: q exits after two fixes" wait_for 10 exited FIX
  check "tui fix: with status 0 (status $(exit_status FIX))" test "$(exit_status FIX)" = 0
  check "tui fix: the alternate screen is off" flag_is alternate_on 0
  check "tui fix: the cursor is visible" flag_is cursor_flag 1
  stop_tui
else
  fail "a chronyd three hours ahead for the fix journey"
fi
