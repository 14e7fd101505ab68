"""Demo data (`beian demo`): users for every role and institutions in several states across two packs.

Everything is made through the real write path on a fixed demo clock that walks from September to
21 November 2026, so every state, timer, notice, score sheet, letter and audit event is genuine.
Running it again changes nothing.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import click
import yaml
from sqlmodel import col, select

from workflows.cli_util import emit_json
from workflows.clock import CHINA, Clock, save_clock
from workflows.db import read_session, write_session
from workflows.models import Institution, Setting, WorkItem
from workflows.settings import ROOT
from workflows.states import state_label
from workflows.users import upsert_user

PASSWORD = "Beian-demo-2026"
APPLICATIONS = ROOT / "tests" / "fixtures" / "applications"
_MARKER = "demo"

USERS: list[dict[str, str]] = [
    {"username": "hz_clerk", "display_name": "杭州市经办人 周敏", "role": "clerk", "jurisdiction": "3301"},
    {"username": "xihu_clerk", "display_name": "西湖区经办人 林涛", "role": "clerk", "jurisdiction": "330106"},
    {"username": "hz_reviewer", "display_name": "杭州市审核人 郑洁", "role": "reviewer", "jurisdiction": "3301"},
    {"username": "zj_head", "display_name": "浙江省负责人 王磊", "role": "head", "jurisdiction": "33"},
    {"username": "jn_clerk", "display_name": "济南市经办人 孙浩", "role": "clerk", "jurisdiction": "3701"},
    {"username": "jn_reviewer", "display_name": "济南市审核人 高雪", "role": "reviewer", "jurisdiction": "3701"},
    {"username": "sd_head", "display_name": "山东省负责人 刘强", "role": "head", "jurisdiction": "37"},
    {"username": "cq_clerk", "display_name": "重庆市经办人 何静", "role": "clerk", "jurisdiction": "5001"},
    {"username": "cq_head", "display_name": "重庆市负责人 唐军", "role": "head", "jurisdiction": "50"},
    {"username": "policy_owner", "display_name": "政策管理员 赵宁", "role": "policy", "jurisdiction": "33"},
    {"username": "admin", "display_name": "系统管理员", "role": "admin", "jurisdiction": "33"},
    *[{"username": f"zj_expert{i}", "display_name": f"浙江评估专家 {n}", "role": "expert", "jurisdiction": "33"}
      for i, n in enumerate(("周卫东", "吴佳丽", "郑国华", "钱文博"), start=1)],
    *[{"username": f"sd_expert{i}", "display_name": f"山东评估专家 {n}", "role": "expert", "jurisdiction": "37"}
      for i, n in enumerate(("李明", "王芳", "赵强", "陈静"), start=1)],
]

ZJ_SHEET = {"scores": {"s1.1": 15, "s1.2": 14, "s2.1": {"missing": []}, "s2.2": {"missing": []}, "s3.1": 28,
                       "s3.2": 9, "s4.1": 10}, "comment": "组织机构健全，场地设备满足要求。"}

# (target state, name, credit code, occupations replacing the example's)
ZJ_CASES = [
    ("filed", "杭州西湖职业技能培训学校", "52330106MJ9012345X", None),
    ("noticing", "杭州钱塘家政服务职业培训学校", "52330114MJ9023456A", [
        {"code": "4-10-01-02", "name": "育婴员", "levels": [3, 4, 5]}]),
    ("reviewing", "杭州拱墅烹饪职业技能培训学校", "52330105MJ9034567B", [
        {"code": "4-03-02-01", "name": "中式烹调师", "levels": [3, 4, 5]}]),
    ("applying", "杭州上城养老护理职业培训学校", "52330102MJ9045678C", [
        {"code": "4-10-01-05", "name": "养老护理员", "levels": [4, 5]}]),
    ("supplementing", "杭州滨江数字技能培训学校", "52330108MJ9056789D", [
        {"code": "4-04-05-02", "name": "网络与信息安全管理员", "levels": [3, 4]}]),
    ("rejected", "杭州余杭建筑技能培训中心", "52330110MJ9067890E", [
        {"code": "6-29-01-01", "name": "砌筑工", "levels": [4, 5]}]),
]
SD_CASES = [
    ("filed", "济南历下专项职业能力考核中心", "52370102MJ8012345F"),
    ("noticing", "济南市中电子商务职业培训学校", "52370103MJ8023456G"),
    ("applying", "济南槐荫家政职业培训学校", "52370104MJ8034567H"),
]


def _at(when: str) -> None:
    with write_session() as session:
        save_clock(session, Clock(datetime.fromisoformat(when).replace(tzinfo=CHINA)))


def _application(fixture: str, name: str, credit_code: str, occupations: list | None) -> dict[str, Any]:
    data = copy.deepcopy(yaml.safe_load((APPLICATIONS / fixture).read_text("utf-8")))
    data["institution"]["name"], data["institution"]["credit_code"] = name, credit_code
    if occupations is not None:
        data["occupations"] = occupations
    return data


def _do(institution_id: int, task_name: str, data: dict[str, Any], actor: str) -> None:
    from workflows.writepath import complete_task

    with read_session() as session:
        item = session.exec(select(WorkItem).where(WorkItem.institution_id == institution_id,
                                                   WorkItem.task_name == task_name)).first()
    complete_task(item.task_id, data, actor)


def _score(institution_id: int, sheet: dict[str, Any]) -> None:
    from workflows.writepath import complete_task

    with read_session() as session:
        experts = session.exec(select(WorkItem).where(WorkItem.institution_id == institution_id,
                                                      WorkItem.task_name == "expert_scoring")).all()
    for item in experts:
        complete_task(item.task_id, sheet, item.assignee)


def _shandong_sheet() -> dict[str, Any]:
    from workflows.policy import get_pack, get_rubric

    rubric = get_rubric(get_pack("002").selection.rubric)
    return {"scores": {item.id: "符合" for section in rubric.sections for item in section.items},
            "comment": "必备条件均符合。"}


def _cases() -> None:
    from workflows.cases import file_objection, submit_application
    from workflows.sweep import fire_due_timers

    _at("2026-09-01T09:00")
    ids: dict[str, int] = {}
    for label, name, code, occupations in ZJ_CASES:
        data = _application("003-pass.yaml", name, code, occupations)
        if label == "rejected":
            data["facts"]["person_times_total"] = 12000
        ids[f"zj_{label}"] = submit_application(data, "hz_clerk").institution_id
    for label, name, code in SD_CASES:
        ids[f"sd_{label}"] = submit_application(_application("002-pass.yaml", name, code, None),
                                                "jn_clerk").institution_id
    _at("2026-09-02T10:00")
    for key in ("zj_filed", "zj_rejected"):
        _do(ids[key], "completeness_check", {"complete": True, "note": "材料齐全"}, "hz_clerk")
    _do(ids["sd_filed"], "completeness_check", {"complete": True, "note": "材料齐全"}, "jn_clerk")
    _at("2026-09-03T15:00")
    _score(ids["zj_filed"], ZJ_SHEET)
    _score(ids["sd_filed"], _shandong_sheet())
    _at("2026-09-15T09:00")
    fire_due_timers()
    _at("2026-11-16T09:30")
    for key in ("zj_noticing", "zj_reviewing"):
        _do(ids[key], "completeness_check", {"complete": True}, "hz_clerk")
    _do(ids["sd_noticing"], "completeness_check", {"complete": True}, "jn_clerk")
    _do(ids["zj_supplementing"], "completeness_check",
        {"complete": False, "missing": ["场地租赁合同（剩余租期证明）", "近一年财务审计报告"]}, "hz_clerk")
    _at("2026-11-18T14:00")
    _score(ids["zj_noticing"], ZJ_SHEET)
    _score(ids["sd_noticing"], _shandong_sheet())
    _at("2026-11-20T10:00")
    file_objection(ids["sd_noticing"], "张某某", "13805310000", "该机构考核场地实际面积小于申报面积。",
                   "现场照片 3 张", "jn_clerk")
    _at("2026-11-21T09:00")
    _chongqing()


def _chongqing() -> None:
    """Two Chongqing (004) institutions filed before Beian, ready for an annual assessment campaign."""
    from workflows.lifecycle import import_filed

    for n, (name, code, valid_from) in enumerate((("重庆渝中职业技能鉴定所", "S000050000101", date(2024, 6, 1)),
                                                  ("重庆江北技能评价中心", "S000050000102", date(2026, 3, 1)))):
        data = _application("004-pass.yaml", name, f"5250010{n}MJ700000{n}K", None)
        import_filed(data, code, valid_from, date(valid_from.year + 3, valid_from.month, 1) - timedelta(days=1),
                     "cq_clerk")


def seed_demo() -> bool:
    """Create the demo users and cases once; returns False when they already exist."""
    with write_session() as session:
        if session.get(Setting, _MARKER) is not None:
            return False
        for user in USERS:
            upsert_user(session, user["username"], PASSWORD, user["role"], user["jurisdiction"], user["display_name"])
    _cases()
    with write_session() as session:
        session.add(Setting(key=_MARKER, value={"seeded": True, "password": PASSWORD}))
    return True


def summary() -> dict[str, Any]:
    """What the demo holds: institutions with their states, and the demo accounts."""
    with read_session() as session:
        institutions = [{"id": i.id, "name": i.name, "pack": i.pack_id, "state": i.state,
                         "state_label": state_label(i.state), "code": i.code}
                        for i in session.exec(select(Institution).order_by(col(Institution.id)))]
    users = [{"username": u["username"], "password": PASSWORD, "role": u["role"], "jurisdiction": u["jurisdiction"]}
             for u in USERS]
    return {"institutions": institutions, "users": users}


def register(group: click.Group) -> None:
    group.add_command(demo)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出机构与演示账号")
def demo(as_json: bool) -> None:
    """Load demo data (idempotent): users for every role and institutions in several states."""
    from workflows.store import init_db

    init_db()
    created = seed_demo()
    data = summary()
    if as_json:
        emit_json({"created": created, **data})
        return
    click.echo("已创建演示数据" if created else "演示数据已存在，未做改动")
    for inst in data["institutions"]:
        click.echo(f"{inst['id']:>4}  {inst['pack']}  {inst['state_label']:<6}  {inst['code'] or '-':<13}  {inst['name']}")
    click.echo(f"演示账号密码均为 {PASSWORD}：" + "、".join(u["username"] for u in data["users"]))

