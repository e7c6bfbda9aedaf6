"""Adapters: translate Slack, Teams and terminal input into core commands, and replies back."""
