"""The staff admin pages: sign-in, send, transactions, individuals, outbox, dashboard, settings."""
