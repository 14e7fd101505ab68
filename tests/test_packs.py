"""Policy packs: the five seeds load with the seeds' numbers; broken packs are refused precisely."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from workflows.policy import (
    PackError,
    clear_cache,
    get_pack,
    get_rubric,
    list_packs,
    pack_errors,
    reload_pack,
)
from workflows.settings import BPMN_DIR


def test_all_five_packs_load() -> None:
    assert [p.id for p in list_packs()] == ["000", "001", "002", "003", "004"]
    for pack in list_packs():
        assert pack.basis.startswith(pack.seed)
        for rule in pack.rules:
            assert rule.basis and rule.text and rule.id.startswith(pack.id + "-")


def test_003_interface_fields() -> None:
    p = get_pack("003")
    assert (p.province, p.effective_from, p.bureau.doc_prefix) == ("33", date(2020, 11, 5), "浙人社函")
    assert (p.notice.selection_working_days, p.notice.counting) == (5, "exclude_first")
    assert (p.code.ministry, p.code.province, p.code.letter_for("enterprise"), p.code.letter_for("school")) == (
        "0000", "33", "Y", "S")
    assert (p.validity.years, p.validity.rule, p.validity.pilot_end) == (3, "exact", date(2021, 12, 31))
    assert (p.limits.max_occupations_first, p.limits.exempt_kinds, p.limits.max_per_occupation_per_city) == (
        3, ("technician_college",), 5)
    assert (p.selection.rubric, p.selection.panel_min, p.supplement.deadline_working_days) == ("003-selection", 3, 10)
    assert (p.rectification.months, p.reminders.days_before_expiry, p.renewal.window_months) == (3, (90, 30), 6)


def test_002_004_000_interface_fields() -> None:
    shandong = get_pack("002")
    assert (shandong.province, shandong.validity.rule, shandong.renewal.rubric, shandong.renewal.pass_mark) == (
        "37", "month_before_anniversary", "002-renewal", 60)
    assert [d["id"] for d in shandong.disqualifying] == [f"X{i:02d}" for i in range(1, 11)]
    chongqing = get_pack("004")
    assert chongqing.notice.grade_days == 10
    assert chongqing.assessment.rubrics == {"kaohe": "004-kaohe", "dengji": "004-dengji"}
    assert chongqing.renewal.exempt_grades == ("优秀",)
    national = get_pack("000")
    assert national.province is None and national.code.province_for("32") == "32"


@pytest.mark.parametrize(("rubric_id", "sections"), [
    ("003-selection", [30, 20, 40, 10]),
    ("002-renewal", [3, 5, 9, 10, 10, 32, 4, 8, 4, 15]),
    ("004-kaohe", [10, 65, 20, 5]),
    ("004-dengji", [10, 60, 15, 10, 5]),
])
def test_rubric_maxima_are_the_seeds(rubric_id: str, sections: list[int]) -> None:
    rubric = get_rubric(rubric_id)
    assert [int(s.max) for s in rubric.sections] == sections and rubric.max == 100
    assert len(rubric.hash) == 64


@pytest.fixture()
def packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the packs, used instead of bpmn/."""
    for pack_id in ("002", "003"):
        shutil.copytree(BPMN_DIR / pack_id, tmp_path / pack_id, ignore=shutil.ignore_patterns("*.bpmn", "forms"))
    monkeypatch.setenv("BEIAN_PACKS_DIR", str(tmp_path))
    clear_cache()
    yield tmp_path
    clear_cache()


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once in a file; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def refused(pack_id: str) -> PackError:
    with pytest.raises(PackError) as info:
        reload_pack(pack_id)
    return info.value


def test_item_points_must_add_up_to_the_section(packs: Path) -> None:
    path = packs / "003" / "rubrics" / "003-selection.yaml"
    line = edit(path, "        max: 15\n        kind: points\n        method: 查阅文件。", "        max: 14\n"
                "        kind: points\n        method: 查阅文件。")
    error = refused("003")
    assert error.path == str(path) and "分项 s1 各小项分值合计 29" in error.problem
    assert error.line is not None and error.line < line  # the section's `max:` line
    assert f"{path}:{error.line}:" in str(error)


def test_sections_must_add_up_to_the_total(packs: Path) -> None:
    path = packs / "002" / "rubrics" / "002-renewal.yaml"
    line = edit(path, "max: 100\n", "max: 99\n")
    error = refused("002")
    assert (error.line, "各分项满分合计 100，与总分 99 不符" in error.problem) == (line, True)


def test_duplicate_ids_are_refused_with_their_line(packs: Path) -> None:
    path = packs / "002" / "pack.yaml"
    line = edit(path, "- id: 002-E04\n", "- id: 002-E03\n")
    error = refused("002")
    assert error.line == line and "资格条件 id '002-E03' 重复" in error.problem


def test_duplicate_item_ids_in_a_rubric(packs: Path) -> None:
    path = packs / "002" / "rubrics" / "002-renewal.yaml"
    line = edit(path, "{id: credit.2,", "{id: credit.1,")
    error = refused("002")
    assert error.line == line and "小项 id 'credit.1' 重复" in error.problem


def test_schema_error_names_field_and_line(packs: Path) -> None:
    path = packs / "003" / "pack.yaml"
    line = edit(path, "  counting: exclude_first", "  counting: first_day")
    error = refused("003")
    assert error.line == line and "notice.counting" in error.problem


def test_yaml_syntax_error(packs: Path) -> None:
    path = packs / "003" / "pack.yaml"
    edit(path, "name: 浙江", "name: [浙江")
    error = refused("003")
    assert error.line is not None and "YAML 语法错误" in error.problem


def test_unknown_rubric_reference_and_bad_expression(packs: Path) -> None:
    path = packs / "003" / "pack.yaml"
    line = edit(path, "  rubric: 003-selection", "  rubric: 003-nothing")
    error = refused("003")
    assert error.line == line and "评分表 '003-nothing' 不存在" in error.problem
    edit(path, "  rubric: 003-nothing", "  rubric: 003-selection")
    line = edit(path, "expr: limits.max_occupations_first", "expr: __import__('os')")
    error = refused("003")
    assert error.line == line and "只能调用 max/min" in error.problem


def test_broken_pack_keeps_the_previous_version_in_force(packs: Path) -> None:
    first = get_pack("003")
    edit(packs / "003" / "pack.yaml", "  selection_working_days: 5", "  selection_working_days: 7")
    assert get_pack("003").notice.selection_working_days == 7  # a valid change is picked up
    edit(packs / "003" / "pack.yaml", "  selection_working_days: 7", "  selection_working_days: -1")
    still = get_pack("003")
    assert still.notice.selection_working_days == 7 and still.hash != first.hash
    assert "notice.selection_working_days" in pack_errors()["003"].problem
    with pytest.raises(PackError):
        reload_pack("003")
    assert get_pack("003").notice.selection_working_days == 7


def test_broken_pack_without_previous_version_raises(packs: Path) -> None:
    edit(packs / "002" / "pack.yaml", 'province: "37"', 'province: "377"')
    with pytest.raises(PackError, match=r"pack.yaml:\d+: province"):
        get_pack("002")


def test_unknown_pack_and_rubric() -> None:
    with pytest.raises(PackError, match="政策包 '009' 不存在"):
        get_pack("009")
    with pytest.raises(PackError, match="评分表 '003-nothing' 不存在"):
        get_rubric("003-nothing")
