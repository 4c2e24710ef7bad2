#!/usr/bin/env bash
# The long run of the property tests and fuzz targets (issue #16.4): each target's properties
# run PROPTEST_CASES cases each (default 1,000,000), in release mode, one target at a time.
# Prints, per target, the tests that passed, the cases each property ran and the time taken.
#
#   scripts/fuzz.sh                 # every target, 1,000,000 cases per property
#   FUZZ_CASES=50000 scripts/fuzz.sh stdio types
#
# Targets: stdio (line parser and wire format), types (StreamUrl / StreamerUri), file-codec
# (.ss header, frame, beacon codecs: random bytes and round trips), file-mutations (whole .ss
# files, valid and mutated, through MessageSource and verify_file, with an allocation bound),
# redis-resp (the RESP scanner).
# The short version (proptest's default 256 cases per property) runs in scripts/test.sh with
# the rest of the tests. A failure prints the minimal failing input and records its seed in
# the crate's proptest-regressions (tests/*.proptest-regressions or proptest-regressions/);
# commit that file with the fix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_INCREMENTAL=0
CASES="${FUZZ_CASES:-1000000}"
export PROPTEST_CASES="$CASES"
# Shrinking a failure of a million-case run can take long; bound it.
export PROPTEST_MAX_SHRINK_TIME="${PROPTEST_MAX_SHRINK_TIME:-120000}"

# name | cargo test arguments (release mode is added)
TARGETS=(
    "stdio|-p sea-streamer-stdio --lib prop"
    "types|-p sea-streamer-types --test url_prop"
    "file-codec|-p sea-streamer-file --features runtime-tokio --test codec_prop"
    "file-mutations|-p sea-streamer-file --features runtime-tokio --test file_prop"
    "redis-resp|-p sea-streamer-redis --lib resp_prop"
)

selected=("$@")
failed=0
summary=()
for entry in "${TARGETS[@]}"; do
    name="${entry%%|*}"
    args="${entry#*|}"
    if [ "${#selected[@]}" -gt 0 ] && [[ ! " ${selected[*]} " =~ " ${name} " ]]; then
        continue
    fi
    printf '\n==> %s: %s cases per property (cargo test --release %s)\n' "$name" "$CASES" "$args"
    log="$(mktemp)"
    # Build first, so the time below is the run's.
    # shellcheck disable=SC2086
    cargo test --release $args --no-run
    start=$(date +%s)
    # shellcheck disable=SC2086
    if cargo test --release $args 2>&1 | tee "$log"; then status=ok; else status=FAILED; failed=1; fi
    secs=$(( $(date +%s) - start ))
    props=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" \
        | awk '{s += $4 + $6} END {print s + 0}')
    # (a target may also hold plain tests, e.g. file-mutations' pool check: they run once)
    line="$name: $status, $props tests passed, $CASES cases per property, ${secs}s"
    echo "$line"
    summary+=("$line")
    rm -f "$log"
done

printf '\n==> summary\n'
printf '%s\n' "${summary[@]}"
exit "$failed"
