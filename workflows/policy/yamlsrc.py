"""Load YAML keeping line numbers, so pack errors can name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class PackError(ValueError):
    """A policy pack or rubric that cannot be used; the message names file, line and problem."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


class YamlDoc:
    """A parsed YAML file: its data plus the node tree for line look-ups."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PackError(path, None, f"无法读取文件：{exc.strerror}") from exc
        try:
            self.node = yaml.compose(self.text, Loader=yaml.SafeLoader)
            self.data: Any = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else None
            raise PackError(path, line, f"YAML 语法错误：{getattr(exc, 'problem', exc)}") from exc

    def line(self, location: tuple[Any, ...] | list[Any]) -> int | None:
        """The 1-based line of the value at `location` (keys and indexes), or its nearest parent."""
        node = self.node
        best = node.start_mark.line + 1 if node is not None else None
        for step in location:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(step):
                        child = value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = node.value[step]
            if child is None:
                break
            node, best = child, child.start_mark.line + 1
        return best

    def error(self, location: tuple[Any, ...] | list[Any], problem: str) -> PackError:
        return PackError(self.path, self.line(location), problem)
