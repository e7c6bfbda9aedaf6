"""Tests of bot/core: the seminar file, who is speaking, and where a person is reached."""
