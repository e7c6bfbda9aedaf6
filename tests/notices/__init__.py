"""Tests of bot/notices: the dispatcher, and notices delivered end to end."""
