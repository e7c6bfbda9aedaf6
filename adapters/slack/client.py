"""The way out to Slack: one Web API client (aimed at `SLACK_API_URL`, retrying 429s and 5xx,
each call with the token of the workspace it is for: `workspaces.WorkspaceClient`) and one
HTTP session that every call shares (Web API and response_url alike), opened in the server's
loop: without it each call would open, and shake hands on, a new connection. The session keeps
up to `CONNECTIONS` open at once, so that answers Slack is slow to take do not queue behind
each other and behind the DMs."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.retry import retry_handlers
from adapters.slack.workspaces import WorkspaceClient, Workspaces

TIMEOUT = 10  # seconds one call to Slack may take
# connections open to Slack at once: aiohttp's default of 100 made the 101st answer wait for a
# connection another held while Slack was slow to take answers (300 people at a seminar answered
# in one second, each answer taken in 0.3 s, beside the DMs going out); well under the usual
# 1,024 open files a process may have, with the requests coming in and the store's own
CONNECTIONS = 500


class SlackClient:
    """The Web API client of every workspace the bot is in, and the HTTP session under it."""

    def __init__(self, workspaces: Workspaces, api_url: str) -> None:
        self.workspaces = workspaces
        self.api: AsyncWebClient = WorkspaceClient(workspaces, base_url=api_url,
                                                   timeout=TIMEOUT,
                                                   retry_handlers=retry_handlers())
        self._http: aiohttp.ClientSession | None = None

    def open(self) -> None:
        """Open the shared session (in the running loop), unless it is open."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                timeout=aiohttp.ClientTimeout(total=TIMEOUT))
            self.api.session = self._http

    def session(self) -> aiohttp.ClientSession | None:
        """The shared session (None before the first request)."""
        return self._http

    async def close(self) -> None:
        """Close the session (after every drain: the dispatcher sends through it)."""
        if self._http is not None:
            self.api.session = None
            await self._http.close()
            self._http = None
