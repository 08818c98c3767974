"""Emails: transactional messages rendered from templates and delivered through the outbox."""
