"""The words of what slipped per period (the amount whose expected close moved out of a period
during it), in English and Simplified Chinese. They join each language's table in `words.py`."""

from __future__ import annotations

SLIP_EN: dict[str, str] = {
    "what_slipped": "What slipped",
    "slipped_help": "The amount whose expected close moved out of each period during it (the "
    "periods in progress: so far), each deal once, at its last amount and owner in the period. "
    "Deals won or lost by then, or moved back into the period, are not counted; nor are "
    "overdue deals given a new date after their period.",
    "slipped_by_owner": "By owner, {period}",
    "slipped_deals": "The deals that slipped out of {period}",
    "slipped_more": "… and {count} more deals.",
    "slip_from_to": "From → to",
    "slipped_out_of": "Slipped out of {period} this week",
    "slipped_amounts": "{amount} {currency} (weighted {weighted} {currency})",
}
SLIP_ZH: dict[str, str] = {
    "what_slipped": "推迟出期的金额",
    "slipped_help": "各期间内，预计成交日期被推迟到该期之后的金额（进行中的期间：截至目前），"
    "每个商机只计一次，按其在该期内的最后金额和负责人。届时已赢单或丢单、或又改回该期的商机不计；"
    "期间结束后才改期的逾期商机也不计。",
    "slipped_by_owner": "{period} 按负责人",
    "slipped_deals": "推迟出 {period} 的商机",
    "slipped_more": "…… 另有 {count} 个商机。",
    "slip_from_to": "原日期 → 新日期",
    "slipped_out_of": "本周推迟出 {period}",
    "slipped_amounts": "{amount} {currency}（加权 {weighted} {currency}）",
}
