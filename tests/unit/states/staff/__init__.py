"""Tests of the staff states, handlers called directly."""
