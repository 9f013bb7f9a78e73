"""Tests of the life of a package."""
