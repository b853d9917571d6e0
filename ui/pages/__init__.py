"""One page per working area of the main window."""
