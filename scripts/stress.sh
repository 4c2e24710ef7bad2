#!/usr/bin/env bash
# Stress mode of the conformance suite (issue #16.2): every backend's `stress` test runs the
# whole suite N times concurrently, each copy on fresh stream names, directly on stdio, file,
# Redis and Kafka and again through SeaStreamer, under runtime-tokio and runtime-async-std.
#
#   scripts/stress.sh          N=10
#   scripts/stress.sh 25       N=25 (or SEA_STREAMER_STRESS=25 scripts/stress.sh)
#
# Starts the test services (scripts/services.sh) and stops what it started on exit. Services
# are required, as in scripts/test.sh: a missing one fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

N=${1:-${SEA_STREAMER_STRESS:-10}}
case "$N" in
    '' | *[!0-9]*) echo "usage: $0 [copies]  (a positive number, got '$N')" >&2; exit 2 ;;
esac
[ "$N" -gt 0 ] || { echo "usage: $0 [copies]  (a positive number, got '$N')" >&2; exit 2; }

step() { printf '\n==> %s\n' "$*"; }

step "services up"
scripts/services.sh up
trap 'step "services down"; scripts/services.sh down' EXIT
eval "$(scripts/services.sh env)"
export SEA_STREAMER_REQUIRE_SERVICES=1
export SEA_STREAMER_STRESS=$N
export RUST_BACKTRACE=1
export CARGO_INCREMENTAL=0

# Only the tests named `stress` / `*_stress` of the conformance suites. Each run is capped at
# 30 minutes, so that a hang fails the run instead of stalling it. (Dropping a Kafka group
# consumer during a rebalance could block forever inside librdkafka: rd_kafka_rebalance_protocol
# from BaseConsumer::drop, librdkafka #4041 / rust-rdkafka #509, hit at N=10 on tansu. Since
# 994fd4e KafkaConsumer's drop serves the revoke before closing and bounds its wait.)
stress() { timeout --foreground 1800 cargo test "$@" --test conformance stress -- --nocapture </dev/null; }

step "stress x$N under runtime-tokio"
stress -p sea-streamer-stdio --features runtime-tokio
stress -p sea-streamer-file --features runtime-tokio
stress -p sea-streamer-redis --features runtime-tokio
stress -p sea-streamer-kafka --features runtime-tokio
stress -p sea-streamer-socket --features backend-stdio,backend-file,backend-redis,backend-kafka,runtime-tokio

step "stress x$N under runtime-async-std"
stress -p sea-streamer-stdio --features runtime-async-std
stress -p sea-streamer-file --features runtime-async-std
stress -p sea-streamer-redis --no-default-features --features runtime-async-std
stress -p sea-streamer-kafka --features runtime-async-std
stress -p sea-streamer-socket --no-default-features \
    --features backend-stdio,backend-file,backend-kafka,runtime-async-std

step "stress x$N passed"
