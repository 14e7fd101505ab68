"""Institution states and their Chinese labels (the board and letters use the labels)."""

from __future__ import annotations

STATES: dict[str, str] = {
    "applying": "申请中",
    "supplementing": "补正中",
    "reviewing": "评审中",
    "noticing": "公示中",
    "filed": "已备案",
    "rectifying": "整改中/暂停",
    "revoked": "已撤销",
    "expired": "已过期",
    "rejected": "未予备案",
}

ROLES: dict[str, str] = {
    "clerk": "经办人",
    "reviewer": "审核人",
    "head": "负责人",
    "expert": "评估专家",
    "policy": "政策管理员",
    "admin": "系统管理员",
}

LANE_ROLES: dict[str, str] = {label: code for code, label in ROLES.items()}

KINDS: dict[str, str] = {
    "enterprise": "用人单位/企业",
    "school": "院校",
    "technician_college": "技工院校",
    "industry_association": "行业组织/行业协会",
    "social_training": "社会培训评价组织",
    "special_ability": "专项职业能力考核机构",
    "public_institution": "事业单位",
    "government": "政府机关",
}


def state_label(state: str) -> str:
    return STATES.get(state, state)
