"""Durable storage: the profile database (SQLAlchemy Core, Alembic migrations) and atomic files."""
