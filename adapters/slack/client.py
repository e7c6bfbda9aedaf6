"""The way out to Slack: one Web API client (aimed at `SLACK_API_URL`, retrying 429s and 5xx,
each call with the token of the workspace it is for: `workspaces.WorkspaceClient`) and one
HTTP session that every call shares (Web API and response_url alike), opened in the server's
loop: without it each call would open, and shake hands on, a new connection."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.retry import retry_handlers
from adapters.slack.workspaces import WorkspaceClient, Workspaces

TIMEOUT = 10  # seconds one call to Slack may take


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
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
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
