"""The site's own words, in English and Simplified Chinese (the plugin's `language` option),
and the changes of a deal told in them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .forecast import cents
from .history import is_log_entry

if TYPE_CHECKING:
    from .events import Change

EN = {
    "home": "Home",
    "site_title": "Sales funnel",
    "search_label": "Search",
    "as_of": "As of",
    "amounts_in": "Amounts in",
    "company_funnel": "The company's funnel",
    "funnel": "Funnel",
    "funnel_of": "Funnel of",
    "stage": "Stage",
    "probability": "Probability",
    "deals": "Deals",
    "deal": "Deal",
    "amount": "Amount",
    "weighted": "Weighted",
    "pipeline": "Pipeline",
    "won": "Won",
    "lost": "Lost",
    "open": "Open",
    "entered": "Entered",
    "win_rate": "Win rate",
    "won_last_year": "Won a year earlier",
    "target": "Target",
    "coverage": "Coverage",
    "forecast": "Forecast",
    "forecast_now": "Forecast of the current periods",
    "period": "Period",
    "month": "Month",
    "quarter": "Quarter",
    "half": "Half year",
    "year": "Year",
    "by_month": "By month",
    "by_quarter": "By quarter",
    "by_half": "By half year",
    "by_year": "By year",
    "by_owner": "By owner",
    "by_territory": "By territory",
    "owner": "Owner",
    "territory": "Territory",
    "territories": "Territories",
    "reps": "Reps",
    "rep": "Rep",
    "manager": "Manager",
    "status": "Status",
    "customer": "Customer",
    "account": "Account",
    "accounts": "Accounts",
    "contact": "Contact",
    "contacts": "Contacts",
    "phone": "Phone",
    "email": "Email",
    "title": "Title",
    "products": "Products",
    "expected_close": "Expected close",
    "closed_on": "Closed on",
    "created": "Created",
    "source": "Lead source",
    "next_step": "Next step",
    "lost_reason": "Lost reason",
    "industry": "Industry",
    "address": "Address",
    "notes": "Notes",
    "log": "Activity",
    "date": "Date",
    "note": "Note",
    "no_log": "Nothing logged yet.",
    "closing_this_month": "Expected to close this month",
    "none": "None.",
    "stale": "Stale deals",
    "stale_help": "No log entry for {days} days or more.",
    "last_activity": "Last activity",
    "overdue": "Overdue deals",
    "overdue_help": "The expected close has passed: update the date or close the deal.",
    "handover_today": "Handover, if it happened today",
    "handover_help": "Bottom of the funnel by a joint visit, the middle by phone, the top later.",
    "method": "Method",
    "visit": "Visit together",
    "phone_call": "Phone call",
    "later": "Later",
    "support": "Presales and support",
    "eligible": "Support",
    "eligible_yes": "Eligible: the customer has a deal in the funnel.",
    "eligible_no": "Not eligible: no open deal in the funnel. Enter a deal first.",
    "support_rule": (
        "A customer receives presales and technical support while it has an open deal in the "
        "funnel, and for {days} days after it last won a deal. The list for the support desk "
        "is also at [support.json]({json})."
    ),
    "support_why": "Why",
    "support_open_deal": "open deal {deal}",
    "support_won": "won {deal} on {closed_on}, supported until {until}",
    "eligible_won": "Eligible until {until}: the customer won {deal} on {closed_on}.",
    "marketing": "Marketing",
    "new_deals": "New deals per month, by lead source",
    "funnel_fill": "How full the funnel is, per stage",
    "outcomes": "Won and lost, by lead source",
    "total": "Total",
    "people": "People",
    "data_format": "Data format",
    "leaving": "leaving",
    "left": "left",
    "active": "active",
    "chart_funnel": "Funnel: open deals per stage",
    "chart_forecast": "Weighted forecast and won, per period",
    "chart_new_deals": "New deals entering the funnel per month",
    "all_accounts": "All accounts",
    "deals_of_account": "Deals",
    "no_deals": "No deals.",
    "days": "days",
    "week": "Week",
    "this_week": "this week",
    "done": "Done",
    "pending": "Pending",
    "to": "To",
    "last_note": "Last note",
    "handovers": "Handovers",
    "handover_of": "Handover of",
    "handover_due": "Handover due",
    "handover_due_help": "People who are leaving, and the open deals they still own.",
    "open_deals": "Open deals",
    "imported_count": "{count} deal(s) came with the first commit of the history (an import).",
    "review": "Weekly review",
    "review_of": "Weekly review",
    "review_quiet": "Nothing changed, nothing logged, nothing waiting.",
    "red_flags": "Red flags",
    "new_deals_week": "New deals",
    "stage_moves": "Stage moves",
    "won_lost": "Won and lost",
    "slips": "Slipped and pulled in",
    "amounts_owners": "Amounts and owners",
    "other_changes": "Other changes",
    "logged_this_week": "Logged this week",
    "untouched": "Untouched for three weeks or more",
    "last_change": "last change",
    "timeline": "Timeline",
    "change": "Change",
    "by": "By",
    "commit": "Commit",
    "compliance": "Compliance",
    "late_entries": "Late entries",
    "late_help": (
        "Deals won fewer than {days} days after they first appeared in the funnel, "
        "or entered as already won."
    ),
    "removed_deals": "Deals removed without being closed",
    "removed_help": "A deal that is lost is closed as lost; a removed deal hides business.",
    "first_seen": "First seen",
    "won_on": "Won (in git)",
    "removed_on": "Removed",
    "days_in_funnel": "Days in funnel",
    "imported_note": (
        "Deals of the baseline (the funnel the team brought along: the first commit of the "
        "data, and imports marked Funnel-Baseline) are known since their own dates and are "
        "never late entries."
    ),
    "trends": "Trends",
    "fill_per_week": "Funnel fill per week",
    "accuracy": "Forecast accuracy",
    "accuracy_help": (
        "The weighted forecast of each rep's open deals as it stood at the end of each week, "
        "and how much of those deals was won in the end."
    ),
    "won_since": "Won of those deals",
    "no_history": "History is not available",
    "field": "Field",
    "more_deals": "… and {count} smaller deals: see each rep's funnel.",
    "value": "Value",
    "no_open_deals": "No open deals.",
    "by_merged": "{author}, merged by {merger}",
    "deal_title": "Title",
    "file": "File",
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
    "history_shallow": (
        "This clone is shallow, so the funnel's history is cut off: fetch the full history "
        "(`git fetch --unshallow`; in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)."
    ),
    "history_missing": "{reason}",
}

ZH = {
    "home": "首页",
    "site_title": "销售漏斗",
    "search_label": "搜索",
    "as_of": "截至",
    "amounts_in": "金额单位",
    "company_funnel": "公司销售漏斗",
    "funnel": "漏斗",
    "funnel_of": "销售漏斗：",
    "stage": "阶段",
    "probability": "赢单概率",
    "deals": "商机",
    "deal": "商机",
    "amount": "金额",
    "weighted": "加权金额",
    "pipeline": "管道金额",
    "won": "赢单",
    "lost": "丢单",
    "open": "进行中",
    "entered": "新进入",
    "win_rate": "赢单率",
    "won_last_year": "去年同期赢单",
    "target": "目标",
    "coverage": "覆盖率",
    "forecast": "预测",
    "forecast_now": "本期预测",
    "period": "期间",
    "month": "月",
    "quarter": "季度",
    "half": "半年",
    "year": "年",
    "by_month": "按月",
    "by_quarter": "按季度",
    "by_half": "按半年",
    "by_year": "按年",
    "by_owner": "按负责人",
    "by_territory": "按区域",
    "owner": "负责人",
    "territory": "区域",
    "territories": "区域",
    "reps": "销售代表",
    "rep": "销售代表",
    "manager": "经理",
    "status": "状态",
    "customer": "客户",
    "account": "客户",
    "accounts": "客户",
    "contact": "联系人",
    "contacts": "联系人",
    "phone": "电话",
    "email": "邮箱",
    "title": "职务",
    "products": "产品",
    "expected_close": "预计成交",
    "closed_on": "结束日期",
    "created": "创建日期",
    "source": "线索来源",
    "next_step": "下一步",
    "lost_reason": "丢单原因",
    "industry": "行业",
    "address": "地址",
    "notes": "备注",
    "log": "活动记录",
    "date": "日期",
    "note": "记录",
    "no_log": "尚无记录。",
    "closing_this_month": "本月预计成交",
    "none": "无。",
    "stale": "停滞商机",
    "stale_help": "{days} 天或更久没有活动记录。",
    "last_activity": "最近活动",
    "overdue": "逾期商机",
    "overdue_help": "预计成交日期已过：请更新日期或关闭商机。",
    "handover_today": "如果今天交接",
    "handover_help": "漏斗底部共同拜访，中部电话介绍，顶部稍后联系。",
    "method": "方式",
    "visit": "共同拜访",
    "phone_call": "电话",
    "later": "稍后",
    "support": "售前与技术支持",
    "eligible": "支持",
    "eligible_yes": "可获得支持：客户在漏斗中有商机。",
    "eligible_no": "不可获得支持：漏斗中没有进行中的商机。请先录入商机。",
    "support_rule": (
        "客户在漏斗中有进行中的商机时，以及最近一次赢单后 {days} 天内，可获得售前和技术支持。"
        "支持部门的清单见 [support.json]({json})。"
    ),
    "support_why": "原因",
    "support_open_deal": "进行中的商机 {deal}",
    "support_won": "{closed_on} 赢单 {deal}，支持至 {until}",
    "eligible_won": "可获得支持，至 {until}：客户于 {closed_on} 赢单 {deal}。",
    "marketing": "市场",
    "new_deals": "每月新商机（按线索来源）",
    "funnel_fill": "各阶段漏斗饱满度",
    "outcomes": "按线索来源的赢单与丢单",
    "total": "合计",
    "people": "人员",
    "data_format": "数据格式",
    "leaving": "即将离职",
    "left": "已离职",
    "active": "在职",
    "chart_funnel": "漏斗：各阶段进行中的商机",
    "chart_forecast": "各期加权预测与赢单",
    "chart_new_deals": "每月进入漏斗的新商机",
    "all_accounts": "全部客户",
    "deals_of_account": "商机",
    "no_deals": "没有商机。",
    "days": "天",
    "week": "周",
    "this_week": "本周",
    "done": "已完成",
    "pending": "待办",
    "to": "接手人",
    "last_note": "最近记录",
    "handovers": "交接",
    "handover_of": "交接",
    "handover_due": "待交接",
    "handover_due_help": "即将离职的人员及其仍负责的进行中商机。",
    "open_deals": "进行中商机",
    "imported_count": "{count} 个商机随历史的第一次提交（导入）进入。",
    "review": "每周回顾",
    "review_of": "每周回顾",
    "review_quiet": "本周没有变化、没有记录、没有待办。",
    "red_flags": "警示",
    "new_deals_week": "新商机",
    "stage_moves": "阶段变化",
    "won_lost": "赢单与丢单",
    "slips": "推迟与提前",
    "amounts_owners": "金额与负责人",
    "other_changes": "其他变化",
    "logged_this_week": "本周记录",
    "untouched": "三周或更久未更新",
    "last_change": "最近更改",
    "timeline": "时间线",
    "change": "变化",
    "by": "提交人",
    "commit": "提交",
    "compliance": "合规",
    "late_entries": "迟录商机",
    "late_help": "首次进入漏斗后不足 {days} 天即赢单，或录入时已赢单的商机。",
    "removed_deals": "未关闭即删除的商机",
    "removed_help": "丢单应关闭为丢单；删除商机会隐藏业务。",
    "first_seen": "首次出现",
    "won_on": "赢单（git）",
    "removed_on": "删除",
    "days_in_funnel": "在漏斗中的天数",
    "imported_note": (
        "基线商机（团队带入的既有漏斗：数据的第一次提交，以及标记为 Funnel-Baseline 的导入）"
        "自其自身日期起即视为已知，不会被列为迟录。"
    ),
    "trends": "趋势",
    "fill_per_week": "每周漏斗饱满度",
    "accuracy": "预测准确度",
    "accuracy_help": "每周末各销售代表进行中商机的加权预测，以及这些商机最终赢单的金额。",
    "won_since": "其中赢单",
    "no_history": "无法读取历史",
    "field": "字段",
    "more_deals": "…… 另有 {count} 个较小的商机：见各销售代表的漏斗。",
    "value": "值",
    "no_open_deals": "没有进行中的商机。",
    "by_merged": "{author}（{merger}合并）",
    "deal_title": "标题",
    "file": "文件",
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
    "history_shallow": (
        "这是浅克隆，漏斗的历史不完整：请获取完整历史（`git fetch --unshallow`；"
        "在 GitHub Actions 中为 `actions/checkout` 设置 `fetch-depth: 0`）。"
    ),
    "history_missing": "无法读取漏斗的 git 历史：数据文件夹不在 git 仓库中，或仓库还没有提交。",
}

WORDS = {"en": EN, "zh": ZH}
assert set(EN) == set(ZH), set(EN) ^ set(ZH)


FIELDS = {"title": "deal_title", "path": "file"}
"""A deal's field -> its word, where the two differ (a deal's `title` is not a contact's)."""


def describe_change(
    change: Change, t: Mapping[str, str], labels: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """One change of a deal in the site's words (plain text; escape before use). `labels`
    shows values by field: stage ids as the stages' names, owner ids as people's names."""
    labels = labels or {}

    def shown(field: str | None, value: Any) -> str:
        if value is None:
            return t["none_value"]
        if is_log_entry(value):
            return f'"{value[0]}: {value[1]}"'
        if isinstance(value, Decimal):
            return f"{cents(value):,.2f}"
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        if isinstance(value, date):
            return value.isoformat()
        return labels.get(field or "", {}).get(str(value), str(value))

    what = change.what
    if what == "added":
        return t["change_added"].format(stage=shown("stage", change.new))
    if what in ("won_at_once", "removed", "removed_closed"):
        return t[f"change_{what}"]
    if what == "moved":
        return t["change_moved"].format(old=change.old, new=change.new)
    if what == "logged":
        day, note = change.new
        return t["change_logged"].format(day=day, note=note)
    field = change.field or ""
    text = t["change_field"].format(
        field=t.get(FIELDS.get(field, field), field).lower(),  # inside a sentence
        old=shown(field, change.old),
        new=shown(field, change.new),
    )
    why = t.get(f"why_{what}")
    return t["change_why"].format(change=text, why=why) if why else text
