#!/usr/bin/env bash
# The clock against the real chronyd: a truthful server, two under `faketime -f +3h` and one
# under `faketime -f -90s`, each its own `chronyd -x` (it never touches the system clock) on
# loopback. `--once --json` must measure the offset they serve and name the finding.
# Run by run.sh (BIN, WORK and lib.sh's helpers); run directly, it runs itself through run.sh.
[[ -n ${INTEROP_SCRIPT:-} ]] || exec "$(dirname "$0")/run.sh" "$(basename "$0")"

# tlsdoctor_once NAME PORT...: runs `--once --json` against these NTP servers and no targets;
# the report lands in $WORK/NAME.json, the exit status in $ONCE_RC.
tlsdoctor_once() {
  local name=$1 servers="" p
  shift
  for p in "$@"; do servers+="\"127.0.0.1:$p\", "; done
  cat >"$WORK/$name.toml" <<EOF
targets = []

[clock]
servers = [${servers%, }]
timeout = "2s"
EOF
  timeout 60 "$BIN" --once --json -c "$WORK/$name.toml" >"$WORK/$name.json" 2>"$WORK/$name.err"
  ONCE_RC=$?
  note "$name: exit $ONCE_RC, consensus_offset_ms=$(json_get "$WORK/$name.json" \
    'd["clock"]["consensus_offset_ms"]' 2>&1), servers: $(json_get "$WORK/$name.json" \
    '"; ".join("%s %s offset_ms=%s rtt_ms=%s stratum=%s%s" % (s["server"], s["status"],
      s["offset_ms"], s["rtt_ms"], s["stratum"], "" if s["error"] is None else " (" + s["error"] + ")")
      for s in d["clock"]["servers"])' 2>&1)"
  note "$name: findings: $(json_get "$WORK/$name.json" \
    '", ".join(f["code"] + "/" + f["severity"] for f in d["findings"]) or "none"' 2>&1)"
  [[ -s $WORK/$name.err ]] && note "$name: stderr: $(head -c 500 "$WORK/$name.err")"
  return 0
}

# has_finding NAME CODE [SEVERITY]
has_finding() {
  [[ $(json_get "$WORK/$1.json" \
    "any(f['code'] == '$2' and '${3:-}' in ('', f['severity']) for f in d['findings'])") == true ]]
}

# offset_near NAME EXPECTED_MS TOLERANCE_MS: the consensus offset is within TOLERANCE of EXPECTED.
offset_near() {
  [[ $(json_get "$WORK/$1.json" \
    "d['clock']['consensus_offset_ms'] is not None and abs(d['clock']['consensus_offset_ms'] - ($2)) < $3") == true ]]
}

all_servers_ok() {
  [[ $(json_get "$WORK/$1.json" \
    "len(d['clock']['servers']) > 0 and all(s['status'] == 'ok' and s['stratum'] == 8 for s in d['clock']['servers'])") == true ]]
}

# lacks_finding NAME CODE: a report was written and CODE is not among its findings.
lacks_finding() {
  [[ $(json_get "$WORK/$1.json" "not any(f['code'] == '$2' for f in d['findings'])") == true ]]
}

# exit_is NAME CODE: the last run's exit status is CODE.
exit_is() {
  ((ONCE_RC == $2))
}

# The peers first: if chronyd or faketime do not serve what we think, nothing below means
# anything. Measured here with an SNTP client of our own.
peer_offset_near() {
  local off
  off=$(sntp_query "$1" | cut -d' ' -f1) || return 1
  note "chronyd on port $1 serves offset ${off}s (expected $2 s)"
  "$PYTHON" -c "import sys; sys.exit(abs($off - ($2)) >= 0.05)"
}

started=1
start_chronyd truthful || started=0
truthful=$CHRONY_PORT
start_chronyd ahead1 +3h || started=0
ahead1=$CHRONY_PORT
start_chronyd ahead2 +3h || started=0
ahead2=$CHRONY_PORT
start_chronyd behind -90s || started=0
behind=$CHRONY_PORT
check "chronyd: four instances (-x, loopback, local stratum 8) serve time" test "$started" = 1
check "chronyd: the truthful one serves the machine's time" peer_offset_near "$truthful" 0
check "chronyd: under faketime +3h it serves +3h" peer_offset_near "$ahead1" 10800
check "chronyd: the second under faketime +3h serves +3h" peer_offset_near "$ahead2" 10800
check "chronyd: under faketime -90s it serves -90s" peer_offset_near "$behind" -90

# A truthful server: nothing wrong with the clock. Exit 0; a warning this machine earns by
# itself (no time-sync service here: clock-unsynced) would give 1, so it is named, not hidden.
tlsdoctor_once truthful "$truthful"
only_unsynced_warnings() {
  [[ $(json_get "$WORK/truthful.json" \
    "all(f['code'] == 'clock-unsynced' for f in d['findings'] if f['severity'] != 'info')") == true ]]
}
truthful_exit() {
  exit_is truthful 0 && return 0
  exit_is truthful 1 && only_unsynced_warnings &&
    note "exit 1 only for clock-unsynced: this machine runs no time-sync service"
}
check "truthful chronyd: server status ok, stratum 8" all_servers_ok truthful
check "truthful chronyd: |consensus offset| < 1000 ms" offset_near truthful 0 1000
check "truthful chronyd: no clock-skew" lacks_finding truthful clock-skew
check "truthful chronyd: no clock-drift" lacks_finding truthful clock-drift
check "truthful chronyd: exit 0 (exit $ONCE_RC)" truthful_exit

# Two servers three hours ahead: the local clock is three hours behind.
tlsdoctor_once ahead "$ahead1" "$ahead2"
check "two +3h chronyd: both servers ok" all_servers_ok ahead
check "two +3h chronyd: clock-skew (error)" has_finding ahead clock-skew error
check "two +3h chronyd: consensus offset within 50 ms of 10800000 ms" offset_near ahead 10800000 50
check "two +3h chronyd: verdict error" test "$(json_get "$WORK/ahead.json" 'd["verdict"]')" = error
check "two +3h chronyd: exit 2 (exit $ONCE_RC)" exit_is ahead 2

# One server 90 s behind: the local clock is 90 s ahead; a drift, not a skew.
tlsdoctor_once behind "$behind"
check "-90s chronyd: server ok" all_servers_ok behind
check "-90s chronyd: clock-drift (warning)" has_finding behind clock-drift warning
check "-90s chronyd: no clock-skew" lacks_finding behind clock-skew
check "-90s chronyd: consensus offset within 50 ms of -90000 ms" offset_near behind -90000 50
check "-90s chronyd: exit 1 (exit $ONCE_RC)" exit_is behind 1
