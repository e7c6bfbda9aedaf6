"""A crowd reading the public record, for `bench.readers`: READERS readers in one process of
their own, each fetching `GET /` over and over, until it is told to stop (a line on stdin);
then one JSON line on stdout with the pages read, their sizes and their latencies.

Run as `python -m bench._readers URL READERS`. In a process of its own so that the crowd's
work does not run on the event loop of the client that measures the acknowledgements."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def crowd(url: str, readers: int) -> dict[str, object]:
    stop = asyncio.Event()
    took: list[float] = []
    sizes: list[int] = []
    failures: list[int] = []

    async def reader(http: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                async with http.get(url) as answer:
                    body = await answer.read()
                    status = answer.status
            except aiohttp.ClientError:
                failures.append(0)
                await asyncio.sleep(0.05)
                continue
            took.append(time.perf_counter() - began)
            sizes.append(len(body))
            if status != 200:
                failures.append(status)

    async def told_to_stop() -> None:
        await asyncio.to_thread(sys.stdin.readline)
        stop.set()

    connector = aiohttp.TCPConnector(limit=readers)
    # Like a browser, the crowd takes gzip; unlike one it does not unpack what it got: the
    # unpacking would happen on the readers' machines, not beside the server.
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as http:
        async with http.get(url) as first:  # the crowd starts once the page answers
            await first.read()
        print("ready", flush=True)
        began = time.perf_counter()
        await asyncio.gather(told_to_stop(), *(reader(http) for _ in range(readers)))
        elapsed = time.perf_counter() - began
    return {"pages": len(took), "seconds": elapsed, "took": took,
            "bytes": max(sizes) if sizes else 0, "failures": len(failures)}  # bytes as sent


def main() -> None:
    url, readers = sys.argv[1], int(sys.argv[2])
    print(json.dumps(asyncio.run(crowd(url, readers))), flush=True)


if __name__ == "__main__":
    main()
