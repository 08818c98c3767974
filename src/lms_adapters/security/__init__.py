"""Security adapters: password hashing, tokens, secrets, denylist, rate limits, user cache."""
