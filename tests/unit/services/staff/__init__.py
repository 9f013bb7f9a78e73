"""Tests of what staff do."""
