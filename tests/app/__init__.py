"""Tests of bot/app: the words through the front door, the inbox, retention and people's rights."""
