"""Fault tests: what a crash, a full disk, an outage or hostile input may not do."""
