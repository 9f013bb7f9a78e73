"""Plain-Python business services; never import reflex."""
