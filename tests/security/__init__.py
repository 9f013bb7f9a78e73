"""Tests that attack the portal as an attacker would: every route, handler, header and hostile input."""
