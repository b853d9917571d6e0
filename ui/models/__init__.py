"""Item models: they hold rows and never call services."""
