"""Alembic environment: Beian's models, the URL from workflows.settings (or the caller's connection)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from workflows.db import write_engine
from workflows.store import import_models

import_models()
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with write_engine().connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
