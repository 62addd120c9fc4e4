"""The words of the forecast's accuracy per period (the weighted forecast at a period's start
against what was won in it), in English and Simplified Chinese. They join each language's table
in `words.py`."""

from __future__ import annotations

ACCURACY_EN: dict[str, str] = {
    "accuracy_help": (
        "For each quarter and each month: the open deals expected to close in it as they stood "
        "when it began (at the end of the day before, as git knew them), with their pipeline "
        "and weighted amount, against the amount of the deals won in it (by their closed date). "
        "The weights are today's probabilities in funnel.yaml, so every period is weighed "
        "alike. The period in progress shows what was won so far. A rep's forecast counts the "
        "deals they owned when the period began; their wins, the won deals they own now."
    ),
    "accuracy_none": "No quarter or month has begun since the first commit of the history.",
    "accuracy_no_quarter": "No quarter has begun since the first commit of the history.",
    "accuracy_team_by_quarter": "Team, by quarter",
    "accuracy_team_by_month": "Team, by month",
    "accuracy_pipeline_at_start": "Pipeline at its start",
    "accuracy_weighted_at_start": "Weighted at its start",
    "accuracy_won_in_it": "Won in it",
    "accuracy_won_of_weighted": "Won / weighted",
    "accuracy_so_far": "so far",
}
ACCURACY_ZH: dict[str, str] = {
    "accuracy_help": (
        "每个季度和每个月：期间开始时（前一天结束时 git 中的状态）预计在该期间成交的进行中商机，"
        "及其管道金额和加权金额，对比该期间实际赢单的金额（按成交日期）。"
        "加权使用当前 funnel.yaml 中各阶段的概率，各期间按同一标准计算。"
        "进行中的期间只计截至目前的赢单。销售代表的预测按期间开始时的负责人计，"
        "赢单按商机现在的负责人计。"
    ),
    "accuracy_none": "历史的第一次提交之后，还没有新的季度或月份开始。",
    "accuracy_no_quarter": "历史的第一次提交之后，还没有新的季度开始。",
    "accuracy_team_by_quarter": "团队 · 按季度",
    "accuracy_team_by_month": "团队 · 按月",
    "accuracy_pipeline_at_start": "期初管道金额",
    "accuracy_weighted_at_start": "期初加权金额",
    "accuracy_won_in_it": "期内赢单",
    "accuracy_won_of_weighted": "赢单 / 加权",
    "accuracy_so_far": "截至目前",
}
