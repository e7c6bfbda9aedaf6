"""Where state lives: the storage contract every backend passes, the in-memory store for tests,
and the embedded TinyDB file with its journal."""
