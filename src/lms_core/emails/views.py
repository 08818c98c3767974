"""The emails module has no views: delivering a message returns nothing to anyone (a failure raises, and
the outbox retries); the message shapes its ports exchange are in `entities`."""
