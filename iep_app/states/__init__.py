"""Thin Reflex states."""
