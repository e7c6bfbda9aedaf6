"""The baselines for `bench.ack`: a slack-bolt `AsyncApp` that only acknowledges `/status` and
`/ogp`, served by aiohttp like `ogpbot serve` (signature checked by bolt), in its own process;
with `--answers FILE`, it also posts an answer to each command's response_url after the ack
(the answers ogpbot gave in the same run, read from FILE: `{"status": ..., "propose": ...}`),
through slack_sdk's webhook client on one kept session, as ogpbot does.

Run as `python -m bench._bare_slack --port P [--answers FILE]` with SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET and SLACK_API_URL set; `GET /healthz` answers once it listens."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient


def build(answers: dict[str, dict[str, Any]] | None = None) -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ.get("SLACK_API_URL") or None)
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                    name="bare", logger=logging.getLogger("bare"))
    sessions: list[aiohttp.ClientSession] = []
    tasks: set[asyncio.Task[None]] = set()

    async def post(url: str, payload: dict[str, Any]) -> None:
        if not sessions:
            sessions.append(aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)))
        await AsyncWebhookClient(url, timeout=10, session=sessions[0]).send_dict(payload)

    async def only_ack(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        url = command.get("response_url")
        if answers and isinstance(url, str):
            text = str(command.get("text") or "")
            kind = "propose" if text.startswith("propose") else "status"
            task = asyncio.get_running_loop().create_task(post(url, answers[kind]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    for name in ("/status", "/ogp", "/propose"):
        bolt.command(name)(only_ack)
    app = bolt.web_app(path="/slack/events")

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def close(_: web.Application) -> None:
        for session in sessions:
            await session.close()

    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answers", help="a JSON file of the answers to post after the ack")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    answers = None
    if args.answers:
        with open(args.answers, encoding="utf-8") as f:
            answers = json.load(f)
    web.run_app(build(answers), host="127.0.0.1", port=args.port, print=None,
                access_log=None)


if __name__ == "__main__":
    main()
