"""E-mail notifications: written to an outbox with the change, delivered by a worker."""
