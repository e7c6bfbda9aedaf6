"""The core put together: the front door (`OgpBot.handle`), the grammar that maps words to the
process's handlers, and the runtime that loads the seminar and opens the store for adapters.

It sits above the process (the grammar must know every handler), so no lower package needs it.
"""
