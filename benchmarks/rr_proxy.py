"""A round-robin TCP proxy on loopback, for the scale-out benchmark: `python -m benchmarks.rr_proxy host:port ...`.

Each accepted connection goes to the next backend in turn and its bytes are copied both ways until either side
closes. Slack opens a connection per request, so per connection is per request here. It prints
`listening on <port>` once it accepts. Production would use nginx, HAProxy or a cloud load balancer instead
(README, "Running several instances").
"""

import asyncio
import itertools
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(backends: list[tuple[str, int]]) -> None:
    turn = itertools.cycle(backends)

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = next(turn)
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(accept, "127.0.0.1", 0, backlog=1024)
    print("listening on", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    pairs = [a.rsplit(":", 1) for a in sys.argv[1:]]
    asyncio.run(main([(h, int(p)) for h, p in pairs]))
