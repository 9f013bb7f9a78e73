"""The life of a package.

records (create, public IDs, may it still be opened), sharing, forwarding, declining,
retention (change availability, revoke), messages (the thread that travels with it),
withdrawal (earlier links stop working; sessions end when the address changes).
"""
