#!/usr/bin/env bash
# Journeys to their end, in a real terminal (tmux) at 80x24, 120x40 and 200x50:
# - the clock three hours off (a real chronyd under faketime): f on the Clock pane, the
#   timedatectl fix through a stand-in that fails (exit 1): back on the dashboard the re-run
#   ends and says "still failing" with the status; the same fix again, and this time the
#   stand-in sets the server right (chronyd without faketime): "clock fixed", and the history
#   window says clock-skew is resolved.
# - OpenVPN's UDP blocked (the lab): f on its Reachability row, "use OpenVPN over TCP" through
#   a stand-in nordvpn: back on the dashboard the re-run of that target ends, "still failing"
#   (a client setting cannot unblock the network's UDP), and the history has the command.
# - every word of the advice on screen: readable.py walks every finding of the lab's
#   broken.toml (its summary in the pane and the details, every fix label in the fixes window).
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

ROOT=$(cd "$HERE/../.." && pwd)
if [[ -z ${LAB:-} ]]; then
  (cd "$ROOT" && cargo build --release --locked -q --example lab) || {
    fail "the lab example builds"
    return 0
  }
  LAB="$ROOT/target/release/examples/lab"
fi
spawn lab "$LAB" "$WORK/lab"
if ! wait_for 30 test -s "$WORK/lab/broken.toml"; then
  fail "the lab starts and writes its configs"
  return 0
fi

tmux_server
# start_pane SIZE PATHDIR: a fresh session T of that size whose shell has PATHDIR first on
# PATH (the stand-ins), in the run's directory.
start_pane() {
  t kill-session -t T 2>/dev/null
  t new-session -d -s T -x "${1%x*}" -y "${1#*x}" -c "$WORK" \
    "env PATH=$2:$PATH HISTFILE=/dev/null PS1='$ ' LANG=C.UTF-8 bash --norc --noprofile"
  wait_for 5 screen_has '\$'
}
# run_tui CONFIG MARK: the dashboard in the pane; the shell prints MARK=<status> after it.
run_tui() {
  t send-keys -t T -l "clear; $BIN -c $1; echo $2=\$?"
  t send-keys -t T Enter
}
exited() { screen_has "^$1=[0-9]+"; }
# keys K...: each key on its own, with time after Escape so the next is not read as Alt+key.
keys() {
  local k
  for k in "$@"; do
    t send-keys -t T "$k"
    if [[ $k == Escape ]]; then sleep 0.5; else sleep 0.15; fi
  done
}
# quit MARK: q, and the dashboard ends with status 0.
quit() {
  keys q
  check "$size: q ends it with status 0" wait_for 10 screen_has "^$1=0"
  stop_tui
}

for size in 80x24 120x40 200x50; do
  # --- the clock: a fix that fails, then one that works --------------------------------------
  if start_chronyd "skew-$size" "+3h"; then
    state="$WORK/clock-$size"
    mkdir -p "$state/bin"
    cat >"$state/bin/timedatectl" <<EOF
#!/bin/bash
# A stand-in for timedatectl: \`show\` as a machine without sync answers; the first set-ntp
# fails; the second sets the NTP server right (the same chronyd, without faketime).
case "\$1" in
  show) printf 'NTP=no\nNTPSynchronized=no\n' ;;
  set-ntp)
    echo "stand-in timedatectl: set-ntp \$2"
    if [ ! -e "$state/tried" ]; then
      touch "$state/tried"
      echo "stand-in: failing on purpose"
      exit 1
    fi
    kill -KILL -- -$SPAWNED
    # Its pid file would stop the new chronyd while the killed one waits to be reaped.
    sleep 0.2
    rm -f "$WORK/skew-$size.pid"
    setsid chronyd -x -d -u root -f "$WORK/skew-$size.conf" </dev/null >"$state/right.log" 2>&1 &
    echo \$! >"$state/right.pid"
    for i in 1 2 3 4 5 6 7 8 9 10; do
      $PYTHON -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.5); s.sendto(b"\x23"+bytes(47),("127.0.0.1",$CHRONY_PORT)); s.recv(48)' 2>/dev/null && break
      sleep 0.3
    done
    echo "stand-in: the server tells the true time now"
    ;;
esac
EOF
    chmod +x "$state/bin/timedatectl"
    on_exit "kill -KILL -- -\$(cat '$state/right.pid' 2>/dev/null) 2>/dev/null"
    cat >"$state/skew.toml" <<EOF
targets = []

[clock]
servers = ["127.0.0.1:$CHRONY_PORT"]
timeout = "2s"
EOF
    start_pane "$size" "$state/bin"
    run_tui "$state/skew.toml" CLOCK
    check "$size clock: the skew is found" wait_for 20 screen_has 'clock-skew|3 h 0 m'
    for round in fails works; do
      keys 1 f
      check "$size clock ($round): f on the Clock pane opens clock-skew's fixes" \
        wait_for 5 screen_has 'Fixes for clock-skew'
      keys t
      check "$size clock ($round): the command waits for y/n" wait_for 5 screen_has 'Run this fix'
      keys y
      check "$size clock ($round): it runs in the real terminal" \
        wait_for 15 screen_has 'Press Enter to return'
      keys Enter
      if [[ $round == fails ]]; then
        check "$size clock (fails): back, the re-run ends: still failing" \
          wait_for 10 screen_has 'still failing'
        check "$size clock (fails): with the fix's status" screen_has 'status 1'
      else
        check "$size clock (works): back, the re-run ends: clock fixed" \
          wait_for 10 screen_has 'clock fixed'
      fi
      keys h
      if [[ $round == fails ]]; then
        check "$size clock (fails): the history has the command and its status" \
          wait_for 5 screen_has 'exit status 1'
      else
        check "$size clock (works): the history says clock-skew is resolved" \
          wait_for 5 screen_has '✓ resolved +clock-skew'
      fi
      show_screen "$size clock, $round: the history"
      keys Escape
    done
    quit CLOCK
    kill -KILL -- "-$(cat "$state/right.pid" 2>/dev/null)" 2>/dev/null
  else
    fail "$size clock: a chronyd three hours ahead"
  fi

  # --- OpenVPN's UDP blocked: switch to TCP with a stand-in nordvpn ---------------------------
  state="$WORK/vpn-$size"
  mkdir -p "$state/bin"
  cat >"$state/bin/nordvpn" <<'EOF'
#!/bin/sh
# A stand-in for the NordVPN CLI: says what it was asked, changes nothing.
echo "stand-in nordvpn: $*"
EOF
  chmod +x "$state/bin/nordvpn"
  start_pane "$size" "$state/bin"
  run_tui "$WORK/lab/broken.toml" VPN
  # The Reachability pane, its row "vpn (udp blocked)": the third from the end of the lab's.
  keys 3 End k k
  # f on it, once its UDP probe has ended (its silence takes the 2 s timeout).
  for i in $(seq 20); do
    keys f
    screen_has 'Fixes for openvpn-udp-blocked' && break
    screen_has 'Fixes for' && keys Escape
    sleep 1
  done
  check "$size vpn: f on its Reachability row opens openvpn-udp-blocked's fixes" \
    screen_has 'Fixes for openvpn-udp-blocked'
  keys p
  check "$size vpn: the command waits for y/n" wait_for 5 screen_has 'nordvpn set protocol tcp'
  keys y
  check "$size vpn: it runs in the real terminal" wait_for 10 screen_has 'stand-in nordvpn: set protocol tcp'
  keys Enter
  check "$size vpn: back, the re-run ends: still failing" \
    wait_for 15 screen_has 'openvpn-udp-blocked .*still failing|still failing .*nordvpn'
  keys h
  check "$size vpn: the history has the command" wait_for 5 screen_has 'nordvpn set protocol tcp'
  show_screen "$size vpn: the history"
  keys Escape
  quit VPN

  # --- every word of the advice ----------------------------------------------------------------
  while IFS= read -r line; do
    case $line in
      PASS*) pass "${line#PASS  }" ;;
      FAIL*) fail "${line#FAIL  }" ;;
      *) note "$line" ;;
    esac
  done < <(timeout 240 "$PYTHON" "$HERE/readable.py" "$TMUX_SOCK" "$BIN" "$WORK/lab/broken.toml" \
    "$WORK/readable-$size" "$size" 2>&1 || echo "FAIL readable.py ended with status $?")
done
