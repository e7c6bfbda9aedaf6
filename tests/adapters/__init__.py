"""Tests of adapters/: the server, the console and operations at the root, a folder per
platform below."""
