"""The recipient's pages: the link, the package chooser, viewer, download, forward wizard, decline."""
