"""Starlette endpoints for bytes: frames, thumbnails, downloads."""
