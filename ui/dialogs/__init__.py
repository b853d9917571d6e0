"""Dialogs: each asks for what one command needs and runs it on the serial lane while it shows a busy state."""
