"""The phone app: its shell, service worker, strings, and the outbox file import."""
