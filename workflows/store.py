"""Creating and upgrading the database (Alembic), and registering diagrams and packs (`beian init`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from alembic import command
from alembic.config import Config

from workflows.db import write_engine, write_session
from workflows.settings import ROOT

MODEL_MODULES = ("workflows.models", "letters.models")


def import_models() -> None:
    """Import every module that defines tables, so SQLModel.metadata is complete."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "workflows" / "migrations"))
    return config


def upgrade_schema() -> None:
    """Bring the schema to the newest migration."""
    config = alembic_config()
    with write_engine().connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


@dataclass
class InitReport:
    """What `beian init` did."""

    packs: list[str]
    registered: list[tuple[str, str, int]]


def init_db() -> InitReport:
    """Create or upgrade the database, then register every pack's diagrams as versions."""
    from workflows import specs
    from workflows.clock import load_clock
    from workflows.policy import list_packs

    upgrade_schema()
    packs = [p.id for p in list_packs()]
    with write_session() as session:
        now = load_clock(session).now()
        versions = specs.register_all(session, packs, now)
        report = InitReport(packs, [(v.pack_id, v.process_key, v.version) for v in versions])
    return report
