"""Alembic environment: always run on the connection handed in by `wallet_app.storage.database`."""

from alembic import context

from wallet_app.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
