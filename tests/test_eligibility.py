"""Eligibility: a passing and a failing application per pack, with the exact failed conditions."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

from workflows.policy import check_eligibility

APPS = Path(__file__).parent / "fixtures" / "applications"
ON = date(2026, 9, 1)


def load(name: str) -> dict:
    return yaml.safe_load((APPS / f"{name}.yaml").read_text(encoding="utf-8"))


def failed(pack: str, app: dict, on: date = ON) -> list[tuple[str, str]]:
    return [(f.id, f.subject) for f in check_eligibility(pack, app, on).failed]


@pytest.mark.parametrize("pack", ["000", "001", "002", "003", "004"])
def test_pass_fixture_is_eligible(pack: str) -> None:
    result = check_eligibility(pack, load(f"{pack}-pass"), ON)
    assert result.eligible, [f.message for f in result.failed]
    assert result.to_dict()["failed"] == []


EXPECTED_FAILURES = {
    "000": [("000-E10", ""), ("000-E15", ""), ("000-E19", "4-03-02-02 中式面点师"),
            ("000-E20", "4-03-02-01 中式烹调师"), ("000-E22", "4-03-02-01 中式烹调师 二级")],
    "001": [("001-E08", ""), ("001-E09", "6-31-01-03 电工"), ("001-E15", ""), ("001-E17", ""),
            ("001-E23", "6-31-01-03 电工"), ("001-E26", "6-31-01-03 电工 五级")],
    "002": [("002-E05", ""), ("002-E06", ""), ("002-E13", "ZX37-0102 中式面点制作（煎饼制作）"), ("002-E16", "")],
    "003": [("003-E06", ""), ("003-E12", ""), ("003-E22", "4-10-01-05 养老护理员"), ("003-E28", "")],
    "004": [("004-E03", ""), ("004-E04", ""), ("004-E05", "")],
}


@pytest.mark.parametrize("pack", sorted(EXPECTED_FAILURES))
def test_fail_fixture_names_exactly_the_failed_conditions(pack: str) -> None:
    assert failed(pack, load(f"{pack}-fail")) == EXPECTED_FAILURES[pack]


def test_failure_carries_basis_seed_wording_required_and_found() -> None:
    result = check_eligibility("001", load("001-fail"), ON).to_dict()
    site = next(f for f in result["failed"] if f["id"] == "001-E15")
    assert site["basis"] == "001_929e18a8c5f08650.txt 四(三)"
    assert "每增加一个职业（工种）技能评价场地总面积增加100平方米" in site["text"]
    assert site["required"].startswith("premises.skill_area_m2 ≥ 400m²")  # 200 + 100 × (3 − 1)
    assert site["found"] == 300
    assert "技能评价场地面积" in site["message"] and "300" in site["message"]
    assert set(result) >= {"eligible", "failed"} and result["eligible"] is False


def test_001_skill_site_threshold_grows_by_100_per_occupation() -> None:
    app = load("001-pass")  # two occupations: needs 300 m²
    app["facts"]["premises"]["skill_area_m2"] = 299
    assert failed("001", app) == [("001-E15", "")]
    app["facts"]["premises"]["skill_area_m2"] = 300
    assert failed("001", app) == []


def test_001_national_base_is_exempt_from_experience_and_scale() -> None:
    app = load("001-pass")
    app["facts"].update(training_years=1, person_times_total=100, national_base=True)
    app["facts"]["per_occupation"]["4-10-01-05"]["person_times"] = 10
    assert failed("001", app) == []
    app["facts"]["national_base"] = False
    assert [i for i, _ in failed("001", app)] == ["001-E07", "001-E08", "001-E09"]


def test_001_new_occupation_exempt_from_per_occupation_volume() -> None:
    app = load("001-pass")
    app["facts"]["per_occupation"]["4-10-01-05"].update(person_times=0, new_occupation=True)
    assert failed("001", app) == []


def test_001_enterprise_must_be_large_or_medium() -> None:
    app = load("001-pass")
    app["institution"]["kind"] = "enterprise"
    app["facts"]["enterprise_size"] = "small"
    assert failed("001", app) == [("001-E04", "")]


def test_000_evaluators_twice_the_standard() -> None:
    app = load("000-pass")
    occ = app["facts"]["per_occupation"]["4-03-02-01"]
    occ["evaluators"] = 5  # standard requires 3 → 6
    assert failed("000", app) == [("000-E19", "4-03-02-01 中式烹调师")]
    occ["evaluators"] = 6
    assert failed("000", app) == []


def test_000_government_bodies_may_not_apply_and_kind_rules_follow_the_kind() -> None:
    app = load("000-pass")
    app["institution"]["kind"] = "government"
    assert ("000-E02", "") in failed("000", app)
    app["institution"]["kind"] = "school"  # association-only rules drop; school rules apply
    ids = [i for i, _ in failed("000", app)]
    assert "000-E08" in ids and "000-E10" not in ids and "000-E02" not in ids


def test_000_association_influence_or_3000_trainees() -> None:
    app = load("000-pass")
    app["facts"]["standard_or_textbook_participation"] = False
    assert failed("000", app) == [("000-E10", "")]
    app["facts"]["trainees_3y"] = 3000
    assert failed("000", app) == []


def test_002_lease_counted_from_filing_start() -> None:
    app = load("002-pass")
    app["facts"]["premises"]["lease_end"] = date(2029, 8, 31)  # 3 years from 2026-09-01, last day included
    assert failed("002", app) == []
    app["facts"]["premises"]["lease_end"] = date(2029, 8, 30)
    assert failed("002", app) == [("002-E05", "")]
    app["facts"]["filing_start"] = date(2026, 8, 31)
    assert failed("002", app) == []


def test_002_part_timer_with_three_employers_disqualifies_and_priority_is_reported() -> None:
    app = load("002-pass")
    result = check_eligibility("002", app, ON)
    assert result.priority == ["002-P8"]
    app["facts"]["part_timers"].append({"name": "马骏", "employers": 3})
    assert failed("002", app) == [("002-E16", "")]


def test_003_relaxation_case_waives_experience_and_scale() -> None:
    app = load("003-fail")
    app["occupations"].pop()  # back to three occupations
    app["facts"]["premises"]["lease_end"] = date(2027, 12, 31)
    assert [i for i, _ in failed("003", app)] == ["003-E06", "003-E22"]
    app["facts"]["relaxation_cases"] = ["dept_recommended"]
    assert [i for i, _ in failed("003", app)] == ["003-E22"]


def test_003_technician_college_may_apply_for_more_than_three_occupations() -> None:
    app = load("003-pass")
    app["occupations"].append({"code": "6-31-01-03", "name": "电工", "levels": [3]})
    app["facts"]["per_occupation"]["6-31-01-03"] = copy.deepcopy(app["facts"]["per_occupation"]["4-10-01-02"])
    assert failed("003", app) == [("003-E12", "")]
    app["institution"]["kind"] = "technician_college"
    assert failed("003", app) == []


@pytest.mark.parametrize(("rating", "featured", "expected"), [
    ("5A", False, []), ("4A", False, []), ("3A", False, ["003-E09"]), ("3A", True, []),
    ("2A", True, ["003-E10"]),
])
def test_003_association_rating(rating: str, featured: bool, expected: list[str]) -> None:
    app = load("003-pass")
    app["institution"]["kind"] = "industry_association"
    app["facts"].update(association_rating=rating, local_featured_industry=featured)
    for occ in app["facts"]["per_occupation"].values():
        occ["related_to_mission"] = True
    assert [i for i, _ in failed("003", app)] == expected


def test_003_enterprise_needs_own_staff_experience_and_private_training_firms_the_scale_too() -> None:
    app = load("003-pass")
    app["institution"]["kind"] = "enterprise"
    app["facts"].update(private_training_enterprise=False, own_staff_certification_experience=True,
                        person_times_total=10)
    assert failed("003", app) == []
    app["facts"]["private_training_enterprise"] = True
    assert failed("003", app) == [("003-E06", "")]


def test_004_filed_this_year_is_skipped() -> None:
    app = load("004-pass")
    assert failed("004", app, date(2024, 3, 1)) == []
    assert failed("004", app, date(2023, 12, 31)) == [("004-E03", "")]


def test_missing_fact_is_reported_as_not_provided() -> None:
    app = load("003-pass")
    del app["facts"]["staff"]["it_staff"]
    result = check_eligibility("003", app, ON)
    assert [(f.id, f.found) for f in result.failed] == [("003-E19", None)]
    assert "未提供" in result.failed[0].message
