"""JSON Schemas for `pack.yaml` and `rubrics/*.yaml` (structure only; sums and ids are checked in code)."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string", "minLength": 1}
_OPT_STR = {"type": ["string", "null"]}
_NUM = {"type": "number"}
_POS = {"type": "number", "exclusiveMinimum": 0}
_NAT = {"type": "integer", "minimum": 0}
_DATE = {"type": "string", "format": "date"}  # YAML dates are converted to ISO text before validation


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or [], "additionalProperties": False}


OPS = [">=", "<=", ">", "<", "==", "!=", "in", "not_in", "intersects", "includes", "nonempty", "empty"]

CONDITION = _obj(
    {"fact": _STR, "op": {"enum": OPS}, "value": {}, "expr": _STR, "unit": _STR},
    ["fact", "op"],
)

RULE = _obj(
    {
        "id": _STR, "title": _STR, "basis": _STR, "text": _STR,
        "scope": {"enum": ["institution", "occupation", "occupation_level"]},
        "kinds": {"type": "array", "items": _STR, "minItems": 1},
        "levels": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 5}},
        "when": {"type": "array", "items": CONDITION},
        "unless": {"type": "array", "items": CONDITION},
        "fact": _STR, "op": {"enum": OPS}, "value": {}, "expr": _STR, "unit": _STR,
        "any_of": {"type": "array", "items": CONDITION, "minItems": 2},
        "required_text": _STR,
    },
    ["id", "title", "basis", "text"],
)

PACK = _obj(
    {
        "id": {"type": "string", "pattern": "^[0-9]{3}$"},
        "name": _STR,
        "basis": _STR,
        "seed": _STR,
        "effective_from": _DATE,
        "effective_note": _STR,
        "province": {"type": ["string", "null"], "pattern": "^[0-9]{2}$"},
        "bureau": _obj({"name": _STR, "doc_prefix": _STR, "seal_name": _STR, "document": _STR, "basis": _STR,
                        "contact": _obj({"department": _STR, "phone": _STR, "address": _STR})},
                       ["name", "doc_prefix", "seal_name", "document"]),
        "notice": _obj(
            {
                "selection_working_days": _NAT, "grade_days": _NAT,
                "counting": {"enum": ["exclude_first", "include_first"]}, "basis": _STR,
            },
            ["selection_working_days", "grade_days", "counting"],
        ),
        "supplement": _obj({"deadline_working_days": _NAT, "processing_working_days": _NAT, "basis": _STR},
                           ["deadline_working_days"]),
        "letters": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
        "code": _obj(
            {
                "ministry": {"type": "string", "pattern": "^[0-9]{4}$"},
                "province": {"type": ["string", "null"], "pattern": "^[0-9]{2}$"},
                "letters": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[A-Z]$"}},
                "default_letter": {"type": "string", "pattern": "^[A-Z]$"},
                "sequence_digits": {"type": "integer", "minimum": 1},
                "basis": _STR,
            },
            ["ministry", "province", "default_letter"],
        ),
        "validity": _obj(
            {
                "years": {"type": "integer", "minimum": 1},
                "rule": {"enum": ["month_before_anniversary", "exact"]},
                "pilot_end": {"anyOf": [_DATE, {"type": "null"}]},
                "basis": _STR,
            },
            ["years", "rule"],
        ),
        "limits": _obj(
            {
                "max_occupations_first": {"type": ["integer", "null"], "minimum": 1},
                "max_occupations_added": {"type": ["integer", "null"], "minimum": 1},
                "exempt_kinds": {"type": "array", "items": _STR},
                "max_per_occupation_per_city": {"type": ["integer", "null"], "minimum": 1},
                "basis": _STR,
            },
        ),
        "selection": _obj({"rubric": _OPT_STR, "panel_min": {"type": "integer", "minimum": 1}, "basis": _STR}),
        "assessment": _obj(
            {"rubrics": {"type": "object", "additionalProperties": _STR}, "skip_filed_same_year": {"type": "boolean"},
             "basis": _STR},
        ),
        "renewal": _obj(
            {
                "rubric": _OPT_STR, "pass_mark": {"type": ["number", "null"]},
                "window_months": _NAT, "exempt_grades": {"type": "array", "items": _STR}, "basis": _STR,
                "form": _STR,
            },
        ),
        "rectification": _obj({"months": {"type": "integer", "minimum": 1}, "basis": _STR}, ["months"]),
        "reminders": _obj({"days_before_expiry": {"type": "array", "items": _NAT}, "basis": _STR}),
        "relaxation_cases": {
            "type": "array",
            "items": _obj({"id": _STR, "title": _STR, "basis": _STR}, ["id", "title", "basis"]),
        },
        "priority_conditions": {
            "type": "array",
            "items": _obj({"id": _STR, "title": _STR, "basis": _STR, "text": _STR, "fact": _STR},
                          ["id", "title", "basis", "fact"]),
        },
        "eligibility": {"type": "array", "items": RULE},
    },
    ["id", "name", "basis", "effective_from", "province", "bureau", "notice", "code", "validity", "eligibility"],
)

ITEM = _obj(
    {
        "id": _STR, "title": _STR, "max": _POS, "basis": _STR, "method": _STR,
        "kind": {"enum": ["points", "grade3", "deduction", "check"]},
        "veto": {"type": "boolean"},
        "per_missing": _POS,
        "rules": {"type": "array", "items": _obj({"id": _STR, "title": _STR}, ["id", "title"])},
    },
    ["id", "title", "max", "kind"],
)

RUBRIC = _obj(
    {
        "id": _STR, "title": _STR, "pack": {"type": "string", "pattern": "^[0-9]{3}$"}, "basis": _STR,
        "max": _POS,
        "combine": {"enum": ["mean", "trimmed_mean"]},
        "divergence_share": {"type": "number", "minimum": 0, "maximum": 1},
        "checklist": {"type": "boolean"},
        "sections": {
            "type": "array", "minItems": 1,
            "items": _obj({"id": _STR, "title": _STR, "max": _POS, "basis": _STR,
                           "items": {"type": "array", "items": ITEM, "minItems": 1}},
                          ["id", "title", "max", "items"]),
        },
        "bonus": {
            "type": "array",
            "items": _obj({"id": _STR, "title": _STR, "min": _NUM, "max": _NUM, "basis": _STR},
                          ["id", "title", "min", "max"]),
        },
        "thresholds": {
            "type": "array",
            "items": _obj({"id": _STR, "title": _STR, "sections": {"type": "array", "items": _STR, "minItems": 1},
                           "min": _NUM, "basis": _STR}, ["id", "title", "sections", "min"]),
        },
        "pass_mark": _NUM,
        "bands": {
            "type": "array",
            "items": _obj({"name": _STR, "min": _NUM, "passed": {"type": "boolean"}, "basis": _STR},
                          ["name", "min", "passed"]),
        },
        "vetoes": {
            "type": "array",
            "items": _obj(
                {
                    "id": _STR, "title": _STR, "basis": _STR,
                    "consequence": {"enum": ["grade_by_severity", "fail_and_report"]},
                    "grades": {"type": "array", "items": _STR, "minItems": 1},
                    "report_to": _STR,
                },
                ["id", "title", "consequence"],
            ),
        },
    },
    ["id", "title", "pack", "basis", "max", "sections"],
)
