"""The emails module has no commands: no caller asks it for anything; it acts on `EmailRequested` events
that other modules record in the outbox within their own transactions."""
