"""Tests of bot/store: the contract every backend passes, each backend's own promises, backups
and replicas."""
