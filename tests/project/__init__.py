"""Rules about the project itself: no import loops, the lock covers pyproject.toml."""
