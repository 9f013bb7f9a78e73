"""The individuals directory: the people outside the hospital who receive packages.

contacts (details, checks, find or create, exact-match look-ups) and individuals (staff find and edit).
"""
