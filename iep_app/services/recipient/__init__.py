"""What a person with a link can do.

links (opening an emailed link), otp (the one-time password rules and budgets), sessions
(verified sessions and the HTTP cookie), viewing and viewer_rows, downloads,
forward_wizard (the steps; the forward itself is transactions.forwarding), lookups (whether
one full address is in the directory, on a budget).
"""
