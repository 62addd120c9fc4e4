"""Changes told in words, in English and Simplified Chinese: a deal's change (the deal pages,
the weekly review, `funnel diff`) and a change of the rules, an account or a checklist.

The site tells a change in its language with the team's names for stages and people; the JSON
outputs, the pull-request comment and the CLI review tell it in English by the data files' own
keys and ids (`describe_by_key`), which programs and reviewers rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..data.money import shown_amount
from ..history.records import is_log_entry

if TYPE_CHECKING:
    from ..analytics.diff_records import RecordChange
    from ..history.events import Change, ChangeWhat

CHANGES_EN = {
    "none_value": "(none)",
    "change_added": "new deal in {stage}",
    "change_won_at_once": "entered as already won: the deal never appeared in the funnel",
    "change_removed": "removed without being closed: close it as lost instead",
    "change_removed_closed": "closed deal removed",
    "change_moved": "file moved from {old} to {new}",
    "change_logged": "logged {day}: {note}",
    "change_field": "{field} {old} → {new}",
    "change_why": "{change} ({why})",
    "why_stage_up": "moved down the funnel",
    "why_stage_down": "moved back up the funnel",
    "why_reopened": "reopened",
    "why_slipped": "slipped",
    "why_pulled_in": "pulled in",
    "record_currency": "currency {old} → {new}",
    "record_stage_added": "new stage at {new}%",
    "record_stage_removed": "stage removed (was {old}%)",
    "record_stage_renamed": "stage renamed {old} → {new}",
    "record_stages_reordered": "stages reordered: {old} → {new}",
    "record_probability": "probability {old}% → {new}%",
    "record_handover": "handover method {old} → {new}",
    "record_stage_changed": "stage {field} {old} → {new}",
    "record_rule": "{field} {old} → {new}",
    "record_account_added": "new account {new}",
    "record_account_removed": "account {old} removed",
    "record_account_changed": "{field} {old} → {new}",
    "record_contact_added": "new contact {item}",
    "record_contact_removed": "contact {item} removed",
    "record_contact_changed": "contact {item}: {field} {old} → {new}",
    "record_checklist_added": "handover checklist written ({new} deals)",
    "record_checklist_removed": "handover checklist removed",
    "record_item_added": "{item} added to the checklist",
    "record_item_removed": "{item} taken off the checklist",
    "record_item_done": "{item} handed over",
    "record_item_changed": "{item}: {field} {old} → {new}",
}

CHANGES_ZH = {
    "none_value": "（无）",
    "change_added": "新商机，阶段：{stage}",
    "change_won_at_once": "录入时已赢单：该商机从未出现在漏斗中",
    "change_removed": "未关闭即删除：请改为关闭为丢单",
    "change_removed_closed": "已关闭的商机被删除",
    "change_moved": "文件从 {old} 移到 {new}",
    "change_logged": "记录 {day}：{note}",
    "change_field": "{field}：{old} → {new}",
    "change_why": "{change}（{why}）",
    "why_stage_up": "在漏斗中下移",
    "why_stage_down": "退回漏斗上层",
    "why_reopened": "重新打开",
    "why_slipped": "推迟",
    "why_pulled_in": "提前",
    "record_currency": "币种：{old} → {new}",
    "record_stage_added": "新阶段，赢单概率 {new}%",
    "record_stage_removed": "阶段已删除（原赢单概率 {old}%）",
    "record_stage_renamed": "阶段更名：{old} → {new}",
    "record_stages_reordered": "阶段顺序调整：{old} → {new}",
    "record_probability": "赢单概率：{old}% → {new}%",
    "record_handover": "交接方式：{old} → {new}",
    "record_stage_changed": "阶段{field}：{old} → {new}",
    "record_rule": "{field}：{old} → {new}",
    "record_account_added": "新客户 {new}",
    "record_account_removed": "客户 {old} 已删除",
    "record_account_changed": "{field}：{old} → {new}",
    "record_contact_added": "新联系人 {item}",
    "record_contact_removed": "联系人 {item} 已删除",
    "record_contact_changed": "联系人 {item}：{field} {old} → {new}",
    "record_checklist_added": "已写交接清单（{new} 个商机）",
    "record_checklist_removed": "交接清单已删除",
    "record_item_added": "{item} 已加入交接清单",
    "record_item_removed": "{item} 已移出交接清单",
    "record_item_done": "{item} 已交接",
    "record_item_changed": "{item}：{field} {old} → {new}",
}
assert set(CHANGES_EN) == set(CHANGES_ZH), set(CHANGES_EN) ^ set(CHANGES_ZH)

FIELDS = {"title": "deal_title", "path": "file"}
"""A deal's field -> its word, where the two differ (a deal's `title` is not a contact's)."""

KEYED_WHYS: tuple[ChangeWhat, ...] = ("stage_up", "stage_down", "slipped", "pulled_in")
"""The reasons a change told by key names: a reopened deal shows in its stages already."""


def value_text(value: Any, none: str) -> str:
    """A field's value as a change's text shows it (amounts with cents, dates ISO); `none`
    for a value that is absent."""
    if value is None:
        return none
    if isinstance(value, date):
        return value.isoformat()
    if is_log_entry(value):
        return f'"{value[0]}: {value[1]}"'
    if isinstance(value, Decimal):
        return shown_amount(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def describe_change(
    change: Change,
    t: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]] | None = None,
    *,
    by_key: bool = False,
) -> str:
    """One change of a deal in the words `t` (plain text; escape before use). `labels` shows
    values by field: stage ids as the stages' names, owner ids as people's names. `by_key`
    names fields and stages by their keys and ids in the data files, as programs read them."""
    what = change.what
    if what == "added":
        stage = change.new if by_key else _labelled(change.new, "stage", t, labels)
        return t["change_added"].format(stage=stage)
    if what in ("won_at_once", "removed", "removed_closed"):
        return t[f"change_{what}"]
    if what == "moved":
        return t["change_moved"].format(old=change.old, new=change.new)
    if what == "logged":
        day, note = change.new
        return t["change_logged"].format(day=day, note=note)
    field = change.field or ""
    if by_key:
        named, why = change.field, t.get(f"why_{what}") if what in KEYED_WHYS else None
    else:
        named, why = t.get(FIELDS.get(field, field), field).lower(), t.get(f"why_{what}")
    text = t["change_field"].format(
        field=named,
        old=_labelled(change.old, field, t, labels),
        new=_labelled(change.new, field, t, labels),
    )
    return t["change_why"].format(change=text, why=why) if why else text


def _labelled(
    value: Any, field: str, t: Mapping[str, str], labels: Mapping[str, Mapping[str, str]] | None
) -> str:
    """A value of `field` by its label (a stage's name for its id), else as `value_text`."""
    if isinstance(value, str):
        return (labels or {}).get(field, {}).get(value, value)
    return value_text(value, t["none_value"])


def describe_by_key(change: Change) -> str:
    """A change of a deal in English by the data files' keys and ids: the text of the JSON
    outputs, the pull-request comment and the CLI review."""
    return describe_change(change, CHANGES_EN, by_key=True)


def describe_record(record: RecordChange, t: Mapping[str, str] = CHANGES_EN) -> str:
    """A change of the rules, an account or a checklist in the words `t` (plain text)."""
    none = t["none_value"]
    return t[f"record_{record.what}"].format(
        old=value_text(record.old, none),
        new=value_text(record.new, none),
        field=record.field,
        item=record.item,
    )
