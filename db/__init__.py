"""Persistence: Tortoise models per domain, migrations and connection config."""
