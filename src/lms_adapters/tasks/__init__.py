"""Background work: outbox delivery through taskiq (in this process, or through a broker to `lms worker`)."""
