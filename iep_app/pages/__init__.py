"""Pages: UI only."""
