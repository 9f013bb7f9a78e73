"""What hospital staff do.

accounts, passwords, sessions, management (admins manage accounts), uploads, search,
tracking (one transaction's story), actions (on one transaction), dashboard, outbox_view, audit_export.
"""
