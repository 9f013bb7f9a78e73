"""Thin states of the staff admin pages.

common (the staff session check), login, send, transactions, transaction, individuals,
outbox, dashboard, settings.
"""
