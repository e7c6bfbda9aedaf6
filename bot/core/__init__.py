"""The core's vocabulary and rules: what the bot is asked (`Command`), answers (`Reply`) and
sends later (`Notice`); a handler's `Context`; roles, the proposal lifecycle, the domain model,
the seminar file, the people directory, typed records over the store, and the clock."""
