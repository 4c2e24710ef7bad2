#!/usr/bin/env python3
"""A TLS terminator on loopback, for the test services (scripts/services.sh).

tansu 0.6.0 takes --cert and --key but never uses them: its command line refuses the two
together (they share a clap group), and the broker builds a TLS acceptor it does not apply
to its connections. So the TLS Kafka test broker is a plain tansu behind this terminator:
clients speak TLS to LISTEN_PORT, the bytes inside go to UPSTREAM_PORT unchanged, and tansu
advertises LISTEN_PORT, so every connection a Kafka client makes goes through TLS.

    tls-proxy.py LISTEN_PORT UPSTREAM_PORT CERT_FILE KEY_FILE

A client that does not complete the TLS handshake (e.g. a plaintext Kafka client) is
disconnected.
"""
import asyncio
import ssl
import sys

HOST = "127.0.0.1"


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.close()


async def serve(listen_port: int, upstream_port: int, cert: str, key: str) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, upstream_port)
        except OSError as e:
            print(f"tls-proxy: upstream {HOST}:{upstream_port}: {e}", file=sys.stderr)
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, HOST, listen_port, ssl=context)
    print(f"tls-proxy: TLS {HOST}:{listen_port} -> {HOST}:{upstream_port}", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    listen_port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
    asyncio.run(serve(listen_port, upstream_port, sys.argv[3], sys.argv[4]))


if __name__ == "__main__":
    main()
