"""Notifications: the course e-mails that follow learning events, and the scheduled summaries and reminders."""
