"""Custos desktop front end (PySide6). Talks to `wallet_app` services only, never to the chain stack directly."""
