"""Tests of the individuals directory."""
