#!/usr/bin/env bash
# Runs every test of sea-streamer: starts the test services (scripts/services.sh), checks
# formatting, runs clippy with -D warnings, builds the docs with warnings denied, and runs the
# whole workspace's tests and doc tests under runtime-tokio, then again under
# runtime-async-std (and runtime-smol for the runtime shim) for the crates where the runtime
# matters. Stops the services on exit (unless SEA_STREAMER_KEEP_SERVICES=1).
#
# Services are required: a test that needs Redis or Kafka fails (instead of skipping) when
# they are missing, so this script can never pass by skipping.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "services up"
scripts/services.sh up
# SEA_STREAMER_KEEP_SERVICES=1 leaves them running at the end (for a developer who started
# them before and keeps using them).
if [ -z "${SEA_STREAMER_KEEP_SERVICES:-}" ]; then
    trap 'step "services down"; scripts/services.sh down' EXIT
fi
eval "$(scripts/services.sh env)"
export SEA_STREAMER_REQUIRE_SERVICES=1
# Stress mode of the conformance suites: each backend's `stress` test runs the whole suite this
# many times concurrently (scripts/stress.sh runs 10).
export SEA_STREAMER_STRESS=${SEA_STREAMER_STRESS:-2}
export RUST_BACKTRACE=1
# A run starts from a clean clone: incremental caches would only cost disk (gigabytes) here.
export CARGO_INCREMENTAL=0

disk() { df -h . | tail -1 | awk '{print "disk: " $4 " free"}'; du -sh "${CARGO_TARGET_DIR:-target}" 2>/dev/null || true; }
disk

# Features of the tokio run: every backend (NATS is tokio only: here and in the tokio socket
# run below, never in the async-std runs), socket with every backend, json, TLS for Redis
# (rustls) and Kafka (OpenSSL): the TLS round trips run against the TLS services (also `sea
# --tls-ca`'s, sea-streamer-cli/tests/tls.rs; its features only repeat the socket features
# already on, so nothing is built twice).
TOKIO_FEATURES="sea-streamer/json,sea-streamer/kafka,sea-streamer/redis,sea-streamer/redis-tls,sea-streamer/kafka-ssl,sea-streamer-cli/redis-tls,sea-streamer-cli/kafka-ssl,sea-streamer/stdio,sea-streamer/file,sea-streamer/nats,sea-streamer/socket,sea-streamer/fuse,sea-streamer/runtime-tokio,sea-streamer-runtime/file,sea-streamer-file/executables,sea-streamer-processor/runtime-tokio"
# The binaries of every crate. Some share a name across crates (stdio's and socket's
# `relay`; redis' and kafka's `producer`/`consumer`, as upstream names them), and one cargo
# invocation that links both writes them to the same target/debug path. So the binaries are
# linted together but built and tested one crate at a time.
BIN_FEATURES="sea-streamer-stdio/executables,sea-streamer-redis/executables,sea-streamer-kafka/executables,sea-streamer-socket/executables"

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy -D warnings (tokio, all backends, all binaries)"
cargo clippy --workspace --all-targets --features "$TOKIO_FEATURES,$BIN_FEATURES" -- -D warnings

step "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --features "$TOKIO_FEATURES"

step "tests under runtime-tokio (whole workspace, unit + integration + doc tests)"
cargo test --workspace --features "$TOKIO_FEATURES"

step "binaries under runtime-tokio, one crate at a time"
cargo test -p sea-streamer-stdio --features runtime-tokio,executables
# (Kafka with `ssl` as in the workspace run, so librdkafka is built once for both)
cargo test -p sea-streamer-socket --features backend-stdio,backend-file,backend-redis,backend-kafka-ssl,backend-nats,runtime-tokio,executables
cargo test -p sea-streamer-redis --features executables --test bins
cargo test -p sea-streamer-kafka --features runtime-tokio,executables,ssl --test bins
# `sea` (sea-streamer-cli) with its own features only, as `cargo install --path sea-streamer-cli`
# builds it (its tests ran in the workspace run above).
cargo build -p sea-streamer-cli --bins

step "tests under runtime-async-std"
cargo test -p sea-streamer-runtime --features runtime-async-std,file
cargo test -p sea-streamer-stdio --features runtime-async-std
cargo test -p sea-streamer-file --features runtime-async-std
# (with TLS: the redis crate's smol TLS stream; the Kafka line checks the error without SSL)
cargo test -p sea-streamer-redis --no-default-features --features runtime-async-std,tls-rustls
cargo test -p sea-streamer-kafka --features runtime-async-std
cargo test -p sea-streamer-processor --features runtime-async-std
# sea-streamer-redis turns runtime-tokio on by default (as upstream), so redis through the
# socket runs on tokio only; on async-std it is tested in its own crate above.
cargo test -p sea-streamer-socket --no-default-features \
    --features backend-stdio,backend-file,backend-kafka,runtime-async-std

step "runtime shim under runtime-smol and with no runtime; the redis fast path under smol"
cargo test -p sea-streamer-runtime --features runtime-smol,file
# (and, without TLS compiled in, that rediss:// is refused with an error naming the feature)
cargo test -p sea-streamer-redis --no-default-features --features runtime-smol --test fast_path --test tls
cargo test -p sea-streamer-runtime

disk
step "all tests passed"
