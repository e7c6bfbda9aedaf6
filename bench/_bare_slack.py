"""The baseline for `bench.ack`: a slack-bolt `AsyncApp` that only acknowledges `/status` and
`/ogp`, served by aiohttp like `ogpbot serve` (signature checked by bolt), in its own process.

Run as `python -m bench._bare_slack --port P` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
SLACK_API_URL set; `GET /healthz` answers once it listens."""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient


def build() -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ.get("SLACK_API_URL") or None)
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                    name="bare", logger=logging.getLogger("bare"))

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    for name in ("/status", "/ogp", "/propose"):
        bolt.command(name)(only_ack)
    app = bolt.web_app(path="/slack/events")

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(build(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
