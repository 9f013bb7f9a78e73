"""Plain-Python services: the portal's rules, never reflex.

Packages by concept: transactions/ (the life of a package), recipient/ (what a link's holder
can do), staff/ (what hospital staff do), directory/ (the people packages go to), images/
(the study index). Shared by all of them, at this level: audit, errors, outbox, organisation,
ratelimit, secrets, validation. New concepts get a package of their own beside these.
"""
