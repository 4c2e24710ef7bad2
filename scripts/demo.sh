#!/usr/bin/env bash
# The sea-streamer demo: a clock producer, a processor and a consumer, run as three
# processes at once, with messages flowing between them:
#
#   tick-producer --output IN  ->  processor --input IN --output OUT  ->  print-consumer --input OUT
#
# Usage: scripts/demo.sh [WHERE]
#
#   (nothing)                 file backend in a fresh temporary directory, no server needed
#   file:///some/dir          file backend, .ss files kept in that directory
#   stdio://                  the three programs joined by unix pipes
#   redis://127.0.0.1:16379   Redis (e.g. the test server of `scripts/services.sh up`)
#   kafka://127.0.0.1:19092   Kafka (e.g. the tansu test broker)
#   nats://127.0.0.1:14222    NATS JetStream (e.g. the test nats-server); a stream per key
#
# WHERE may also come from SEA_STREAMER_DEMO_URL. DEMO_TICKS (default 10) and
# DEMO_INTERVAL (default 200ms) set the number of ticks and the time between them.
# On Kafka the stages run one after the other (a consumer cannot subscribe to a topic that
# does not exist yet); elsewhere they run at once.
# Every stage stops after DEMO_TICKS messages (on files also at the end-of-stream mark),
# so the demo ends by itself in a few seconds once the examples are built.
set -euo pipefail

cd "$(dirname "$0")/.."
where="${1:-${SEA_STREAMER_DEMO_URL:-}}"
ticks="${DEMO_TICKS:-10}"
interval="${DEMO_INTERVAL:-200ms}"
limit=120 # seconds: a stage that hangs (e.g. an unreachable server) is stopped

echo "demo: building the examples (cargo build -p sea-streamer-examples) ..." >&2
cargo build --quiet -p sea-streamer-examples --bins
target_dir="$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
bin="${target_dir:-target}/debug"

tmp=""
children=()
cleanup() {
    for pid in "${children[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ -n "$tmp" ]]; then
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

run_stage() {
    timeout "$limit" "$@"
}

suffix="$(date +%s)-$$"
case "$where" in
"")
    tmp="$(mktemp -d)"
    input="file://$tmp/ticks.ss/tick"
    output="file://$tmp/processed.ss/processed"
    ;;
file://*)
    dir="${where#file://}"
    dir="${dir%/}"
    mkdir -p "$dir"
    # a .ss file has one writer process at a time: each stage writes its own file
    input="file://$dir/ticks-$suffix.ss/tick"
    output="file://$dir/processed-$suffix.ss/processed"
    ;;
stdio://*)
    input="stdio:///tick"
    output="stdio:///processed"
    ;;
redis://* | rediss://* | kafka://* | nats://*)
    base="${where%/}"
    input="$base/demo-tick-$suffix"
    output="$base/demo-processed-$suffix"
    ;;
*)
    echo "demo: unsupported '$where': use file:///dir, stdio://, redis://host:port, kafka://host:port or nats://host:port" >&2
    exit 2
    ;;
esac

echo "demo: $ticks ticks, one every $interval" >&2
echo "demo:   tick-producer  --output $input" >&2
echo "demo:   processor      --input $input --output $output" >&2
echo "demo:   print-consumer --input $output" >&2

if [[ "$input" == stdio://* ]]; then
    run_stage "$bin/tick-producer" --output "$input" --count "$ticks" --interval "$interval" |
        run_stage "$bin/processor" --input "$input" --output "$output" --count "$ticks" |
        run_stage "$bin/print-consumer" --input "$output" --count "$ticks"
elif [[ "$input" == kafka://* ]]; then
    # a Kafka consumer fails on a topic that does not exist yet (UnknownTopicOrPartition):
    # run the stages one after the other, each topic is created by its producer
    run_stage "$bin/tick-producer" --output "$input" --count "$ticks" --interval "$interval"
    run_stage "$bin/processor" --input "$input" --output "$output" --count "$ticks"
    run_stage "$bin/print-consumer" --input "$output" --count "$ticks"
else
    # consumer and processor first, so the messages are seen as they are produced
    run_stage "$bin/print-consumer" --input "$output" --count "$ticks" &
    children+=("$!")
    run_stage "$bin/processor" --input "$input" --output "$output" --count "$ticks" &
    children+=("$!")
    run_stage "$bin/tick-producer" --output "$input" --count "$ticks" --interval "$interval"
    for pid in "${children[@]}"; do
        wait "$pid"
    done
    children=()
fi
if [[ "$where" == file://* ]]; then
    echo "demo: the streams are in ${input%/*} and ${output%/*}" >&2
fi
echo "demo: done" >&2
