"""Render a document kind from its Jinja2 template to PDF with WeasyPrint.

Templates are data that policy owners edit, so they run in Jinja2's immutable sandbox with
autoescape and strict undefined; an override folder (`BEIAN_LETTER_TEMPLATES`) is searched before
the built-in templates. One process-wide WeasyPrint `FontConfiguration` keeps memory flat. Every
character must exist in Noto Serif CJK SC: a render that would fall back to another font (or to
boxes) fails loudly instead.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import traceback
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from letters.errors import LetterError
from letters.formats import FILTERS
from letters.kinds import KINDS, Kind

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT_FAMILY = "Noto Serif CJK SC"
SHARED_TEMPLATES = ("base.html", "parts.html", "letter.css")
PREVIEW_NUMBER = "（预览件，未编号）"


def template_dirs() -> tuple[Path, ...]:
    """The policy owner's override folder (if set), then the built-in templates."""
    override = os.environ.get("BEIAN_LETTER_TEMPLATES")
    return ((Path(override),) if override else ()) + (BUILTIN_TEMPLATES,)


@cache
def _environment(dirs: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def kind_of(kind_id: str) -> Kind:
    try:
        return KINDS[kind_id]
    except KeyError:
        raise LetterError(f"未知的文书类型：{kind_id}（可用：{'、'.join(KINDS)}）") from None


def template_version(kind_id: str) -> str:
    """SHA-256 (first 16 hex digits) over the kind's template and the shared layout it uses."""
    env = _environment(template_dirs())
    digest = hashlib.sha256()
    for name in (kind_of(kind_id).template, *SHARED_TEMPLATES):
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()[:16]


def _lookup(context: dict[str, Any], dotted: str) -> bool:
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, dict) or value.get(part) is None:
            return False
        value = value[part]
    return True


def _failing_template(exc: BaseException, fallback: str) -> str:
    """The template file (and line) where Jinja raised, from the rewritten traceback."""
    roots = [str(d) for d in template_dirs()]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(root) for root in roots):
            return f"{Path(frame.filename).name} 第{frame.lineno}行"
    return fallback


def render_html(kind_id: str, context: dict[str, Any]) -> str:
    """The filled HTML of one document; raises `LetterError` naming the template and the problem."""
    kind = kind_of(kind_id)
    missing = [key for key in kind.required if not _lookup(context, key)]
    if missing:
        raise LetterError(f"文书“{kind.title}”（模板 {kind.template}）缺少上下文字段：{'、'.join(missing)}")
    data = {"number": PREVIEW_NUMBER, "preview": True, **context, "kind": kind}
    try:
        return _environment(template_dirs()).get_template(kind.template).render(data)
    except SecurityError as exc:
        where = _failing_template(exc, kind.template)
        raise LetterError(f"模板 {where} 试图访问受限的内部属性，已被沙箱拒绝：{exc}") from exc
    except UndefinedError as exc:
        where = _failing_template(exc, kind.template)
        raise LetterError(f"模板 {where} 使用了未定义的变量：{exc}") from exc
    except (TemplateError, TypeError, ValueError) as exc:
        where = _failing_template(exc, kind.template)
        raise LetterError(f"模板 {where} 出错：{exc}") from exc


@cache
def _font() -> tuple[str, frozenset[int]]:
    """The file of Noto Serif CJK SC and the code points it covers; fails if it is not installed."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", FONT_FAMILY],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise LetterError(f"无法查询字体 {FONT_FAMILY}（fontconfig 不可用）：{exc}") from exc
    if len(out) < 2 or FONT_FAMILY not in out[0]:
        raise LetterError(f"未安装字体 {FONT_FAMILY}（Debian 软件包 fonts-noto-cjk），拒绝生成缺字的文书")
    from fontTools.ttLib import TTFont

    index = int(out[2]) if len(out) > 2 and out[2].isdigit() else 0
    with TTFont(out[1], fontNumber=index, lazy=True) as font:
        return out[1], frozenset(font.getBestCmap())


def check_glyphs(text: str, what: str) -> None:
    """Raise if any visible character of `text` has no glyph in Noto Serif CJK SC."""
    _path, cmap = _font()
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    if missing:
        shown = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in missing)
        raise LetterError(f"{what} 含有字体 {FONT_FAMILY} 缺少的字符：{shown}；请改用常用字或补充字体")


@cache
def font_config() -> Any:
    """The one WeasyPrint font configuration of this process."""
    from weasyprint.text.fonts import FontConfiguration

    _font()
    return FontConfiguration()


def render_pdf(kind_id: str, context: dict[str, Any]) -> bytes:
    """Render one document to PDF bytes (no numbering, no storage: a preview unless `number` is set)."""
    from weasyprint import HTML

    html = render_html(kind_id, context)
    check_glyphs(html, f"文书“{kind_of(kind_id).title}”")
    document = HTML(string=html, base_url=str(BUILTIN_TEMPLATES)).render(font_config=font_config())
    return document.write_pdf()
