"""Tests of the Slack adapter, through the real slack-bolt app over HTTP."""
