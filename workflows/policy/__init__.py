"""Policy packs (one per seed), the eligibility engine and the rubric scoring engine."""

from workflows.policy.eligibility import EligibilityResult, Failure, check_eligibility
from workflows.policy.packs import (
    Pack,
    clear_cache,
    get_pack,
    get_rubric,
    list_packs,
    pack_errors,
    reload_pack,
)
from workflows.policy.rubrics import Rubric
from workflows.policy.scoring import ScoreResult, SheetError, score_sheets
from workflows.policy.yamlsrc import PackError

__all__ = [
    "EligibilityResult", "Failure", "Pack", "PackError", "Rubric", "ScoreResult", "SheetError",
    "check_eligibility", "clear_cache", "get_pack", "get_rubric", "list_packs", "pack_errors", "reload_pack",
    "score_sheets",
]
