#!/usr/bin/env bash
# A bounded fuzz run without cargo-fuzz: the property tests of tests/it/props.rs (one per
# parser of untrusted bytes: SNTP replies, OpenVPN replies, .ovpn profiles, static keys, the
# config, certificates), each for many generated and mutated cases. Prints the executions per
# parser, their total and the crashes (failed properties, with proptest's shrunk input in the
# log), and exits non-zero if there was one.
#
#   fuzz/run.sh [CASES]     CASES per property and round (default 200000)
#   ROUNDS=N fuzz/run.sh    runs the whole set N times, each round with fresh random seeds
#
# cargo-fuzz needs nightly and a libFuzzer build of every dependency; this runs on stable, in
# the same test binary as `cargo test`, so the properties cannot drift from the tests.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CASES=${1:-200000}
ROUNDS=${ROUNDS:-1}
LOG=${LOG:-$(mktemp -t tlsdoctor-fuzz.XXXXXX)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# Built once, quietly; the runs below reuse it.
cargo test --test it --no-run -q 2>>"$LOG" || { echo "fuzz: the test binary does not build; see $LOG"; exit 2; }

declare -A COUNT=()
crashes=0
start=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  # One process per property, two at a time at most (the test harness's threads).
  if ! TLSDOCTOR_PROP_CASES=$CASES cargo test --test it -q props:: -- --nocapture --test-threads 2 >>"$LOG" 2>&1; then
    crashes=$((crashes + 1))
    echo "fuzz: round $round: a property failed (see $LOG)"
  fi
done
while read -r _ name n; do
  COUNT[$name]=$(( ${COUNT[$name]:-0} + n ))
done < <(grep -o 'fuzz-count [a-z-]* [0-9]*' "$LOG")
for name in "${!COUNT[@]}"; do
  printf '%-16s %12d executions\n' "$name" "${COUNT[$name]}"
done | sort
total=0
for name in "${!COUNT[@]}"; do total=$((total + COUNT[$name])); done
failed=$(grep -c 'panicked at\|Test failed' "$LOG")
printf 'total            %12d executions in %ds, %d failed rounds, %d failure lines in %s\n' \
  "$total" $(($(date +%s) - start)) "$crashes" "$failed" "$LOG"
[[ $crashes == 0 ]]
