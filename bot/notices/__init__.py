"""What reaches people later: the outbox of notices, the dispatcher that delivers each once,
the `Notifier` port every platform adapter implements, the agenda's announcements and the
meetings' calendar files."""
