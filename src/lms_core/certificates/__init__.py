"""Certificates: issued on completion, rendered to PDF, publicly verifiable, revocable."""
