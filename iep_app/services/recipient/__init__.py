"""What a person with a link can do.

access (links, one-time passwords, sessions), viewing and viewer_rows, downloads,
forward_wizard (the steps; the forward itself is transactions.forwarding), lookups (whether
one full address is in the directory, on a budget).
"""
