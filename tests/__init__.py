"""ogpbot's test suite."""
