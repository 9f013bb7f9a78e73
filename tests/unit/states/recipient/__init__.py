"""Tests of the recipient's states, handlers called directly."""
