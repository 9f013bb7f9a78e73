"""iep: an open, self-hostable image exchange portal."""
