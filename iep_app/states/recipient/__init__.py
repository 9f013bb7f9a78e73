"""Thin states of the recipient's pages.

link, package (the chooser), viewer, download, forward (the wizard), decline.
"""
