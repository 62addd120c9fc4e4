"""The win rates page's words, in English and Simplified Chinese: how each stage wins against
the probability the funnel configures. They join each language's table in `words.py`."""

from __future__ import annotations

CALIBRATION_EN = {
    "calibration": "Win rates",
    "calibration_help": (
        "Of the deals that reached each stage on the main line (stood in it or in a stage "
        "below it), how many were won and lost in the end: the observed win rate, with its "
        "95 % interval, beside the probability the funnel configures. The calibrated forecast "
        "weighs open deals by the observed rate once {min_closed} deals that reached the "
        "stage closed, by the configured probability before."
    ),
    "stage_wins": (
        "your {configured} % stage {stage} wins {observed} ({margin}), {closed} closed deals"
    ),
    "stage_unclosed": "your {configured} % stage {stage}: none of its deals has closed yet",
    "configured": "Configured",
    "observed": "Observed",
    "reached": "Reached",
    "median_days_in_stage": "Median days in stage",
    "median_cycle_days": "Median sales cycle (days)",
    "weighted_configured": "Weighted forecast (configured)",
    "weighted_calibrated": "Weighted forecast (calibrated)",
}

CALIBRATION_ZH = {
    "calibration": "赢单率",
    "calibration_help": (
        "主线上到达每个阶段（处于该阶段或其下方阶段）的商机中，最终赢单和丢单的数量："
        "实际赢单率及其 95 % 区间，与漏斗配置的概率并列。校准预测在到达该阶段的商机中"
        "已有 {min_closed} 个关闭后按实际赢单率加权进行中商机，此前按配置概率加权。"
    ),
    "stage_wins": (
        "配置 {configured} % 的阶段 {stage} 实际赢单 {observed}（{margin}），{closed} 个已关闭商机"
    ),
    "stage_unclosed": "配置 {configured} % 的阶段 {stage}：尚无商机关闭",
    "configured": "配置",
    "observed": "实际",
    "reached": "到达",
    "median_days_in_stage": "阶段停留天数中位数",
    "median_cycle_days": "销售周期中位数（天）",
    "weighted_configured": "加权预测（配置）",
    "weighted_calibrated": "加权预测（校准）",
}
