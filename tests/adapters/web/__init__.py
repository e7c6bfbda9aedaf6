"""Tests of adapters/web: the public record's and the plan's pages, served, in a browser and
from outside."""
