"""Outbound webhooks: sealing their secrets, the SSRF guard, and the HTTP sender."""
