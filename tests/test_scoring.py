"""Scoring: totals at and around every threshold, deductions, vetoes, panels, divergence, bad sheets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workflows.cli import main
from workflows.policy import SheetError, get_rubric, score_sheets

SHEETS = Path(__file__).parent / "fixtures" / "sheets"


def full(rubric_id: str, **overrides: object) -> dict:
    """Every item at its maximum (or 符合), with some items overridden."""
    rubric = get_rubric(rubric_id)
    scores: dict = {}
    for item in rubric.items().values():
        scores[item.id] = {"missing": []} if item.kind == "deduction" else (
            "符合" if item.kind in ("grade3", "check") else float(item.max))
    scores.update({k.replace("_", "."): v for k, v in overrides.items()})
    return scores


def sheet(rubric_id: str, expert: str = "甲", vetoes: list | None = None, bonus: dict | None = None,
          **overrides: object) -> dict:
    return {"expert": expert, "scores": full(rubric_id, **overrides), "vetoes": vetoes or [], "bonus": bonus or {}}


# --- 004: bands 优秀 ≥ 90, 合格 ≥ 75, 基本合格 ≥ 60, 不合格 < 60 ----------------------------------------

@pytest.mark.parametrize("rubric_id", ["004-kaohe", "004-dengji"])
@pytest.mark.parametrize(("organise_loss", "total", "grade", "passed"), [
    (10, 90, "优秀", True), (10.5, 89.5, "合格", True),
    (25, 75, "合格", True), (25.5, 74.5, "基本合格", True),
    (40, 60, "基本合格", True), (40.5, 59.5, "不合格", False),
])
def test_004_grade_bands(rubric_id: str, organise_loss: float, total: float, grade: str, passed: bool) -> None:
    rubric = get_rubric(rubric_id)
    organise = next(s for s in rubric.sections if s.id == "organise")
    scores, left = {}, organise_loss
    for item in organise.items:  # take the loss from the organising section, item by item
        take = min(float(item.max), left)
        scores[item.id] = float(item.max) - take
        left -= take
    result = score_sheets(rubric_id, [{"expert": "甲", "scores": {**full(rubric_id), **scores}}])
    assert (result.to_dict()["total"], result.grade, result.passed) == (total, grade, passed)


@pytest.mark.parametrize(("veto", "grade", "passed"), [("V03:基本合格", "基本合格", True),
                                                       ({"id": "V03", "grade": "不合格"}, "不合格", False)])
def test_004_veto_sets_grade_by_severity(veto: object, grade: str, passed: bool) -> None:
    result = score_sheets("004-kaohe", [sheet("004-kaohe", vetoes=[veto])]).to_dict()
    assert (result["total"], result["grade"], result["passed"], result["vetoed"]) == (100, grade, passed, ["V03"])
    assert any("否定评判项 V03" in r for r in result["reasons"])


def test_004_veto_never_raises_a_lower_score_grade_and_the_severest_expert_wins() -> None:
    low = sheet("004-kaohe", "甲", vetoes=["V01:基本合格"], organise_1=0, organise_2=0, organise_3=0,
                organise_4=0, organise_5=0, organise_6=0, organise_7=0)
    assert score_sheets("004-kaohe", [low]).grade == "不合格"  # 59 points
    two = [sheet("004-kaohe", "甲", vetoes=["V01:基本合格"]), sheet("004-kaohe", "乙", vetoes=["V01:不合格"])]
    assert score_sheets("004-kaohe", two).grade == "不合格"


def test_004_dengji_has_thirteen_vetoes_and_kaohe_twelve() -> None:
    assert len(get_rubric("004-kaohe").vetoes) == 12
    assert len(get_rubric("004-dengji").vetoes) == 13


def test_severity_veto_without_grade_is_refused() -> None:
    with pytest.raises(SheetError, match=r"专家 甲：否定项 V05.*基本合格 或 不合格"):
        score_sheets("004-kaohe", [sheet("004-kaohe", vetoes=["V05"])])


# --- 002: 合格 ≥ 60; 不合格项 → 不合格 and an immediate report ----------------------------------------

@pytest.mark.parametrize(("points", "grade"), [(60, "合格"), (59.5, "不合格")])
def test_002_pass_mark(points: float, grade: str) -> None:
    # exam section is 32 points; quality 15; archive 8 → drop items to land on the threshold
    scores = full("002-renewal")
    lost = 100 - points
    for item in get_rubric("002-renewal").items().values():
        if lost <= 0:
            break
        take = min(float(item.max), lost)
        scores[item.id] = {"value": "基本符合", "points": float(item.max) - take} if take < item.max else "不符合"
        lost -= take
    result = score_sheets("002-renewal", [{"expert": "甲", "scores": scores}])
    assert (result.to_dict()["total"], result.grade, result.passed) == (points, grade, grade == "合格")


def test_002_disqualifying_finding_fails_and_reports_to_city_bureau() -> None:
    result = score_sheets("002-renewal", [sheet("002-renewal", vetoes=["X05"])]).to_dict()
    assert (result["total"], result["grade"], result["passed"]) == (100, "不合格", False)
    assert result["report_to"] == ["备案所属市人力资源社会保障局"]
    assert any("立即向备案所属市人力资源社会保障局报告" in r for r in result["reasons"])


def test_002_grade3_values_and_partial_shorthands() -> None:
    result = score_sheets("002-renewal", [sheet("002-renewal", rules_1="基本符合:1.5", bank_2={"value": "基本符合",
                                                                                            "points": 4},
                                                site_3="不符合")])
    assert result.items["rules.1"] == 1.5 and result.items["bank.2"] == 4 and result.items["site.3"] == 0
    assert result.to_dict()["total"] == 100 - 1.5 - 1 - 2


def test_002_selection_checklist_passes_only_when_every_item_is_ticked() -> None:
    assert score_sheets("002-selection", [sheet("002-selection")]).passed
    result = score_sheets("002-selection", [sheet("002-selection", c4_5="不符合")])
    assert not result.passed and any("c4.5" in r for r in result.reasons)


def test_001_selection_checklist_passes_only_when_every_item_is_ticked() -> None:
    rubric = get_rubric("001-selection")
    assert rubric.checklist and all(i.veto and i.kind == "check" for i in rubric.items().values())
    assert all(i.basis.startswith("001_929e18a8c5f08650.txt ") for i in rubric.items().values())
    passed = score_sheets("001-selection", [sheet("001-selection", e) for e in "甲乙丙"])
    assert passed.passed and passed.total == 32 and passed.divergent == []
    result = score_sheets("001-selection", [sheet("001-selection", equipment_3="不符合")])  # 视频监控
    assert not result.passed and result.reasons == ["否决项 equipment.3「理论和技能评价场地应具备视频监控设备。」未获一致评为符合"]


def test_001_selection_one_expert_of_three_ticking_no_fails_and_flags_divergence() -> None:
    sheets = [sheet("001-selection", "甲"), sheet("001-selection", "乙", tech_3="不符合"),  # 题库每年动态更新
              sheet("001-selection", "丙")]
    result = score_sheets("001-selection", sheets)
    assert not result.passed and result.divergent == ["tech.3"]
    assert any("tech.3" in r for r in result.reasons)


def test_000_checklist_only_veto_items_decide() -> None:
    assert score_sheets("000-technical", [sheet("000-technical", site_3="不符合")]).passed  # 办公室: not a veto
    result = score_sheets("000-technical", [sheet("000-technical", occupation_4="不符合")])  # 考评人员数量
    assert not result.passed and any("否决项 occupation.4" in r for r in result.reasons)


# --- 003: deductions, bonus, sections 1–4 ≥ 90 ----------------------------------------------------------

def test_003_deduction_reaches_floor() -> None:
    seven = ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]
    result = score_sheets("003-selection", [sheet("003-selection", s2_1={"missing": seven}, s2_2={"missing": 3})])
    assert result.items["s2.1"] == 0 and result.items["s2.2"] == 4
    assert score_sheets("003-selection", [sheet("003-selection", s2_1={"missing": 5})]).items["s2.1"] == 0
    assert score_sheets("003-selection", [sheet("003-selection", s2_1=["r1", "r2"])]).items["s2.1"] == 6


@pytest.mark.parametrize(("s3_1", "bonus", "core", "total", "passed"), [
    (20, {}, 90, 90, True),
    (19.5, {}, 89.5, 89.5, False),
    (19.5, {"standard_dev": 20, "dept_recommended": 10}, 89.5, 119.5, False),  # bonus cannot rescue 1–4
    (20, {"standard_dev": 10}, 90, 100, True),
])
def test_003_sections_1_to_4_must_reach_90(s3_1: float, bonus: dict, core: float, total: float,
                                           passed: bool) -> None:
    result = score_sheets("003-selection", [sheet("003-selection", bonus=bonus, s3_1=s3_1)]).to_dict()
    assert (result["total"], result["passed"], result["grade"]) == (total, passed, None)
    assert sum(s["score"] for s in result["sections"]) == core


# --- panels -----------------------------------------------------------------------------------------------

def test_mean_of_three_experts() -> None:
    sheets = [sheet("004-kaohe", "甲", organise_1=4), sheet("004-kaohe", "乙", organise_1=3),
              sheet("004-kaohe", "丙", organise_1=2)]
    result = score_sheets("004-kaohe", sheets)
    assert result.items["organise.1"] == 3 and result.to_dict()["total"] == 99
    assert [e["total"] for e in result.experts] == [100, 99, 98]


def test_trimmed_mean_drops_highest_and_lowest() -> None:
    sheets = [sheet("004-kaohe", n, internal_2=v) for n, v in (("甲", 4), ("乙", 1), ("丙", 2), ("丁", 3))]
    assert score_sheets("004-kaohe", sheets, combine="trimmed_mean").items["internal.2"] == 2.5
    with pytest.raises(SheetError, match="至少 3 位专家"):
        score_sheets("004-kaohe", sheets[:2], combine="trimmed_mean")


def test_divergence_flags_the_item() -> None:
    sheets = [sheet("004-kaohe", "甲", organise_2=8), sheet("004-kaohe", "乙", organise_2=5),
              sheet("004-kaohe", "丙", organise_2=8)]
    assert score_sheets("004-kaohe", sheets).divergent == ["organise.2"]  # 3 > 0.3 × 8
    assert score_sheets("004-kaohe", sheets, divergence_share=0.4).divergent == []  # 3 ≤ 3.2


def test_item_scored_by_one_expert_only_is_fine_but_by_none_is_an_error() -> None:
    a = sheet("004-kaohe", "甲")
    b = sheet("004-kaohe", "乙")
    del b["scores"]["internal.1"]
    assert score_sheets("004-kaohe", [a, b]).items["internal.1"] == 2
    del a["scores"]["internal.1"]
    with pytest.raises(SheetError, match="小项 internal.1「岗位设置」没有任何专家评分"):
        score_sheets("004-kaohe", [a, b])


@pytest.mark.parametrize(("rubric_id", "mutate", "message"), [
    ("004-kaohe", lambda s: s["scores"].update({"nope": 1}), r"专家 甲：小项 'nope' 不存在"),
    ("004-kaohe", lambda s: s["scores"].update({"internal.2": 4.5}), r"专家 甲：小项 internal.2「安全管理」得分 4.5 超过该项满分 4"),
    ("004-kaohe", lambda s: s["scores"].update({"internal.2": -1}), r"专家 甲：小项 internal.2.*为负数"),
    ("004-kaohe", lambda s: s.update(vetoes=["V99:不合格"]), r"专家 甲：否定项 'V99' 不存在"),
    ("003-selection", lambda s: s.update(bonus={"standard_dev": 25}), r"专家 甲：加分项 standard_dev.*不在 10–20 之间"),
    ("003-selection", lambda s: s.update(bonus={"standard_dev": 5}), r"不在 10–20 之间"),
    ("003-selection", lambda s: s.update(bonus={"other": 15}), r"专家 甲：加分项 'other' 不存在"),
    ("003-selection", lambda s: s["scores"].update({"s2.1": {"missing": ["r9"]}}), r"所缺制度 \['r9'\]"),
    ("002-renewal", lambda s: s["scores"].update({"rules.1": "基本符合"}), r"专家 甲：小项 rules.1.*未给出酌情分"),
    ("002-renewal", lambda s: s["scores"].update({"rules.1": {"value": "基本符合"}}), r"未给出酌情分"),
    ("002-selection", lambda s: s["scores"].update({"c1.1": "基本符合:1"}), r"只能评 符合 或 不符合"),
])
def test_bad_sheets_are_refused_naming_expert_item_and_problem(rubric_id: str, mutate, message: str) -> None:
    bad = sheet(rubric_id)
    mutate(bad)
    with pytest.raises(SheetError, match=message):
        score_sheets(rubric_id, [bad])


def test_duplicate_expert_is_refused() -> None:
    with pytest.raises(SheetError, match="专家重复"):
        score_sheets("004-kaohe", [sheet("004-kaohe"), sheet("004-kaohe")])


# --- CLI ----------------------------------------------------------------------------------------------------

def test_cli_rubric_list_show_and_score() -> None:
    runner = CliRunner()
    listed = yaml.safe_load(runner.invoke(main, ["rubric", "list", "--json"]).output)
    assert {r["id"] for r in listed} == {"000-technical", "001-selection", "002-renewal", "002-selection",
                                        "003-selection", "004-dengji", "004-kaohe"}
    tree = yaml.safe_load(runner.invoke(main, ["rubric", "show", "003-selection", "--json"]).output)
    assert tree["max"] == 100 and [s["max"] for s in tree["sections"]] == [30, 20, 40, 10]
    assert tree["sections"][1]["items"][0]["kind"] == "deduction"
    assert {b["id"]: (b["min"], b["max"]) for b in tree["bonus"]}["standard_dev"] == (10, 20)
    out = runner.invoke(main, ["score", "003-selection", str(SHEETS / "003-selection.yaml"), "--json"])
    result = yaml.safe_load(out.output)
    assert set(result) >= {"total", "sections", "passed", "grade", "vetoed", "divergent", "reasons"}
    assert result["passed"] is True and result["total"] == 109  # 94 on sections 1–4 plus a 15-point bonus


def test_cli_refuses_a_bad_sheet_with_exit_code_2(tmp_path: Path) -> None:
    data = yaml.safe_load((SHEETS / "002-renewal.yaml").read_text(encoding="utf-8"))
    data["experts"][1]["scores"] = {**data["experts"][1]["scores"], "site.1": 3}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = CliRunner().invoke(main, ["score", "002-renewal", str(bad)])
    assert out.exit_code == 2 and "专家 颜秀梅：小项 site.1" in out.output and "超过该项满分 2" in out.output


def test_cli_check_eligibility_json() -> None:
    app = Path(__file__).parent / "fixtures" / "applications" / "002-fail.yaml"
    out = CliRunner().invoke(main, ["check-eligibility", str(app), "--pack", "002", "--on", "2026-09-01", "--json"])
    result = yaml.safe_load(out.output)
    assert result["eligible"] is False
    assert [f["id"] for f in result["failed"]] == ["002-E05", "002-E06", "002-E13", "002-E16"]
    assert set(result["failed"][0]) >= {"id", "basis", "required", "found", "message"}
