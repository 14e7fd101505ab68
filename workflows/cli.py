"""The `beian` command line. Each area registers its own commands from its own module."""

from __future__ import annotations

import importlib

import click

# Modules that each expose `register(group: click.Group) -> None`.
COMMAND_MODULES = [
    "dashboard.cli",
    "letters.cli",
    "workflows.bench",
    "workflows.cli_cases",
    "workflows.cli_process",
    "workflows.demo",
    "workflows.policy.cli",
    "workflows.cli_lifecycle",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Beian (备案): the filing lifecycle of skill-evaluation institutions."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(main)
