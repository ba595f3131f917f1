"""Notifications: events written once (an outbox), the inbox, e-mail, signed webhooks, and the worker."""
