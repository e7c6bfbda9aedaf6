"""ogpbot's platform-neutral core: the co-creation process, its people, proposals and notices.

Nothing in this package imports a chat platform's SDK; adapters translate in and out.
"""
