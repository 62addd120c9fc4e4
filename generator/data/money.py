"""Money: exact `Decimal` amounts from the data to the page, and their two written forms.

An amount is written as `1200.00` in every output meant for programs (JSON, CSV) and as
`1,200.00` wherever people read it (pages, tables, change descriptions).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models are not needed to compute: importing them costs a command's start
    from .model import Deal, Funnel

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """The amount rounded to cents, half up (as accountants round)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def json_amount(value: Decimal) -> str:
    """The amount as the decimal string of the JSON and CSV outputs: `1200.00`."""
    return str(cents(value))


def shown_amount(value: Decimal) -> str:
    """The amount as people read it, with thousands grouped: `1,200.00`."""
    return f"{cents(value):,.2f}"


def signed_amount(value: Decimal) -> str:
    """A change of an amount as people read it, always with its sign: `+1,200.00`."""
    return f"{cents(value):+,.2f}"


def weighted_amount(amount: Decimal, probability: Decimal) -> Decimal:
    """An amount times a win probability in percent (exact)."""
    return amount * probability / 100


def weighted_deal(deal: Deal, funnel: Funnel) -> Decimal:
    """The deal's amount times its stage's probability (exact; 0 for an unknown stage)."""
    stage = funnel.stage(deal.stage)
    return weighted_amount(deal.amount, stage.probability) if stage else ZERO
