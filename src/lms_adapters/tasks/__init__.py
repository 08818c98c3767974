"""Background work: outbox delivery."""
