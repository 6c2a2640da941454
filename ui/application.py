"""Starting the GUI (filled in by the window work)."""
