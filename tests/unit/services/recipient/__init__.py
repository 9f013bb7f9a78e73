"""Tests of what a person with a link can do."""
