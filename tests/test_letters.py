"""Letters: every kind renders to a real Chinese PDF, issuing numbers and archives it, templates are sandboxed."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import SQLModel

from letters import (
    KINDS,
    LetterError,
    document_pdf,
    issue_document,
    list_documents,
    reissue_document,
    render_pdf,
    verify_document,
)
from letters.cli import register
from letters.context import build_context
from letters.formats import cn_upper_date, validity
from letters.samples import sample_context, three_year_validity
from workflows.db import read_session, reset_engines, write_engine, write_session
from workflows.models import Institution, OccupationScope, StoredFile

ISSUED_AT = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
CODE = "S0000370000012"
NAME = "济南市鲁班职业技能培训学校"

# Wording each kind must show (from its seed where the seed gives it).
KEY_WORDING = {
    "approval": ["同意你单位面向社会开展专项职业能力考核工作", "自2026年11月至2029年10月", "开展专项职业能力考核项目范围",
                 "鲁菜烹饪"],
    "scope_change": ["同意你单位调整考核范围信息", "不变", "新增项目", "删除项目"],
    "renewal_sheet": ["专项职业能力考核机构续期评估明细表", "不合格项", "总分", "96"],
    "renewal_application": ["专项职业能力考核机构备案续期申请表", "诚信声明", "87.8%", "52370100MJD123456X"],
    "group_feedback": ["续期评估组意见反馈表", "综合得分92分", "合格"],
    "renewal_approval": ["同意你单位继续面向社会开展专项职业能力考核工作", "自2026年11月至2029年10月"],
    "revocation": ["现撤销你单位专项职业能力考核机构备案", "备案期限内未开展考核工作", "历史证书维护", "考核档案管理",
                   "参评人员服务"],
    "revocation_notice": ["现决定撤销你单位职业技能评价机构备案", "组织舞弊行为", "历史证书", "评价档案", "参评人员",
                          "行政复议"],
    "pilot_cancelled": ["取消该组织职业技能等级认定试点", "综合评估不合格", "公示认定结果", "鲁菜烹饪", "特此公告"],
    "filing_receipt": ["备案回执", "准予备案", "2026年11月1日", "2029年10月31日"],
    "selection_notice": ["公示", "5个工作日", "2026年11月21日", "2026年11月28日", "异议"],
    "grade_notice_public": ["公示期10天", "2026年11月30日", "初定等级", "书面提出评估异议", "86.5"],
    "grade_notice": ["评估等级确定为合格", "86.5", "减少日常检查频次"],
    "rectification": ["限期整改", "2027年2月19日", "暂停你单位职业技能评价活动", "取消你单位机构备案"],
    "rejection": ["不予通过", "考核场地面积不少于1000平方米", "申报场地面积为620平方米"],
    "objection_received": ["异议受理通知", "张某某", "2026年11月18日", "予以复核"],
    "objection_ruling": ["异议复核结果告知书", "异议不成立", "张某某"],
}


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("BEIAN_VAR", str(tmp_path))
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'letters.db'}")
    reset_engines()
    SQLModel.metadata.create_all(write_engine())
    yield
    reset_engines()


@pytest.fixture()
def institution_id(db) -> int:
    with write_session() as s:
        inst = Institution(name=NAME, kind="special_ability", credit_code="52370100MJD123456X", pack_id="002",
                           province="37", city="3701", county="370102", filing_level="province",
                           address="济南市历下区解放路88号", head="孙立新", code=CODE, state="filed")
        s.add(inst)
        s.flush()
        for code, name in [("S37-001", "鲁菜烹饪"), ("S37-002", "茶艺服务")]:
            s.add(OccupationScope(institution_id=inst.id, code=code, name=name, kind="project", status="filed"))
        s.add(OccupationScope(institution_id=inst.id, code="S37-009", name="已删除项目", status="removed"))
        return inst.id


def _context(kind: str, institution_id: int) -> dict:
    with read_session() as s:
        return sample_context(kind, build_context(s, institution_id, date(2026, 11, 21)))


def _pdftext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def test_formats():
    assert cn_upper_date(date(2026, 11, 21)) == "二〇二六年十一月二十一日"
    assert cn_upper_date(date(2030, 10, 10)) == "二〇三〇年十月十日"
    assert validity(*three_year_validity(date(2026, 11, 21))) == "自2026年11月至2029年10月"
    assert three_year_validity(date(2027, 1, 5)) == (date(2027, 1, 1), date(2029, 12, 31))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_issues_a_real_chinese_pdf(kind, institution_id, tmp_path):
    context = _context(kind, institution_id)
    with write_session() as s:
        doc = issue_document(s, kind, institution_id, context, ISSUED_AT, "clerk01", instance_id=None)
        pdf = document_pdf(s, doc)
    assert doc.number == "鲁人社字〔2026〕1号" and doc.version == 1 and doc.kind == kind
    text = re.sub(r"\s+", "", _pdftext(pdf, tmp_path))
    # Before filing an institution has no code yet: a rejection names its credit code, a selection
    # notice its occupations.
    identity = {"rejection": "52370100MJD123456X", "selection_notice": "S37-001"}.get(kind, CODE)
    for expected in [doc.number, NAME, identity, *KEY_WORDING[kind]]:
        assert expected in text, f"{kind}: {expected!r} missing"
    if KINDS[kind].layout != "form":
        assert "二〇二六年十一月二十一日" in text and "山东省人力资源和社会保障厅" in text
    assert "—1—" in text  # page number
    assert "预览件" not in text and "已删除项目" not in text
    fonts = _fonts(pdf, tmp_path)
    assert fonts and all(f[-5] == "yes" for f in fonts), fonts  # emb column
    assert all("NotoSerifCJKSC" in f[0].split("+")[-1].replace("-", "") for f in fonts), fonts


@pytest.mark.parametrize(("pilot", "wording", "absent"), [(True, "试点有效期", "备案有效期"),
                                                          (False, "备案有效期", "试点有效期")])
def test_filing_receipt_speaks_of_a_pilot_only_for_pilot_filings(pilot, wording, absent, institution_id, tmp_path):
    context = {**_context("filing_receipt", institution_id), "pilot": pilot}
    text = re.sub(r"\s+", "", _pdftext(render_pdf("filing_receipt", context), tmp_path))
    assert wording in text and absent not in text


def test_preview_is_marked_and_unnumbered(institution_id, tmp_path):
    text = _pdftext(render_pdf("approval", _context("approval", institution_id)), tmp_path)
    assert "预览件" in text and "号" in text and "〔2026〕1号" not in text


def test_numbers_count_per_bureau_per_year_and_reissue_makes_a_new_version(institution_id, tmp_path):
    ctx = _context("grade_notice", institution_id)
    with write_session() as s:
        first = issue_document(s, "grade_notice", institution_id, ctx, ISSUED_AT, "clerk01")
        second = issue_document(s, "revocation", institution_id, _context("revocation", institution_id),
                                ISSUED_AT, "clerk01", instance_id=7)
        # 2026-12-31 17:00 UTC is already 2027 in Shanghai: a new year starts at 1.
        next_year = issue_document(s, "grade_notice", institution_id, ctx, datetime(2026, 12, 31, 17, tzinfo=UTC), "c")
    assert [first.number, second.number, next_year.number] == ["鲁人社字〔2026〕1号", "鲁人社字〔2026〕2号",
                                                               "鲁人社字〔2027〕1号"]
    with write_session() as s:
        v2 = reissue_document(s, first.number, {**ctx, "score": 88}, ISSUED_AT, "head01")
    assert (v2.number, v2.version, v2.seq) == (first.number, 2, 1) and v2.sha256 != first.sha256
    with read_session() as s:
        docs = list_documents(s, institution_id)
        mine = [d for d in docs if d.number == first.number]
        assert [d.version for d in mine] == [1, 2] and len(docs) == 4
        assert document_pdf(s, mine[0]) != document_pdf(s, mine[1])
        assert mine[1].context["score"] == 88 and mine[1].template_version == first.template_version
        assert verify_document(s, first.number)


def test_issued_rows_cannot_be_changed_and_tampered_bytes_fail_verification(institution_id):
    with write_session() as s:
        doc = issue_document(s, "revocation", institution_id, _context("revocation", institution_id), ISSUED_AT, "c")
    with pytest.raises(LetterError, match="不可修改"), write_session() as s:
        row = s.get(type(doc), doc.id)
        row.kind = "approval"
    with write_session() as s:
        s.execute(update(StoredFile).where(StoredFile.sha256 == doc.sha256).values(content=b"%PDF-forged"))
    with read_session() as s:
        assert verify_document(s, doc.number) is False
        with pytest.raises(LetterError, match="校验失败"):
            document_pdf(s, doc)
        with pytest.raises(LetterError, match="不存在"):
            verify_document(s, "鲁人社字〔2026〕999号")


def test_naive_issue_time_and_unknown_kind_are_refused(institution_id):
    with write_session() as s, pytest.raises(LetterError, match="timezone-aware"):
        issue_document(s, "approval", institution_id, _context("approval", institution_id),
                       datetime(2026, 11, 21), "c")
    with pytest.raises(LetterError, match="未知的文书类型"):
        render_pdf("nonsense", {})


def test_missing_context_key_is_named(institution_id):
    ctx = _context("rectification", institution_id)
    del ctx["deadline"]
    with pytest.raises(LetterError, match=r"rectification\.html.*deadline"):
        render_pdf("rectification", ctx)


@pytest.fixture()
def override(tmp_path, monkeypatch):
    folder = tmp_path / "policy_templates"
    folder.mkdir()
    monkeypatch.setenv("BEIAN_LETTER_TEMPLATES", str(folder))
    return folder


def test_sandbox_refuses_python_internals(institution_id, override):
    (override / "revocation.html").write_text(
        '{% extends "base.html" %}{% block content %}'
        "{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}", encoding="utf-8")
    with pytest.raises(LetterError, match=r"模板 revocation\.html 第1行 试图访问受限的内部属性"):
        render_pdf("revocation", _context("revocation", institution_id))


def test_undefined_variable_names_template_and_variable(institution_id, override):
    (override / "revocation.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ institution.nickname }}</p>{% endblock %}',
        encoding="utf-8")
    with pytest.raises(LetterError, match=r"模板 revocation\.html 第3行 使用了未定义的变量.*nickname"):
        render_pdf("revocation", _context("revocation", institution_id))


def test_missing_glyph_fails_loudly(institution_id):
    ctx = _context("revocation", institution_id)
    ctx["finding"] = "出现𠀀字"  # U+20000, CJK Extension B, not in Noto Serif CJK SC
    with pytest.raises(LetterError, match=r"U\+20000"):
        render_pdf("revocation", ctx)


def test_cli_render_list_verify_get(institution_id, tmp_path):
    main = click.Group("beian")
    register(main)
    runner = CliRunner()
    out = tmp_path / "preview.pdf"
    result = runner.invoke(main, ["letter", "render", "scope_change", "--institution", str(institution_id),
                                  "--out", str(out), "--date", "2026-11-21"])
    assert result.exit_code == 0, result.output
    assert "新增项目" in re.sub(r"\s+", "", _pdftext(out.read_bytes(), tmp_path))
    with write_session() as s:
        doc = issue_document(s, "approval", institution_id, _context("approval", institution_id), ISSUED_AT, "c")
    listed = runner.invoke(main, ["letter", "list", str(institution_id), "--json"])
    assert listed.exit_code == 0 and doc.sha256 in listed.output and "鲁人社字〔2026〕1号" in listed.output
    verified = runner.invoke(main, ["letter", "verify", doc.number])
    assert verified.exit_code == 0 and "校验通过" in verified.output
    got = tmp_path / "got.pdf"
    assert runner.invoke(main, ["letter", "get", doc.number, "--out", str(got)]).exit_code == 0
    assert got.read_bytes()[:5] == b"%PDF-"
    unknown = runner.invoke(main, ["letter", "render", "nope", "--institution", str(institution_id),
                                   "--out", str(out), "--date", "2026-11-21"])
    assert unknown.exit_code == 2 and "未知的文书类型" in unknown.output
