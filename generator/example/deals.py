"""The example's deals: what the team sells, how a deal file reads, and how a rep works a
week (log entries every week or two, stage moves, slips, wins and losses)."""

from __future__ import annotations

import calendar
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

from ..data.money import ZERO, json_amount, weighted_amount
from .team import PROBABILITY, Account, people, scalar

STAGES = list(PROBABILITY)
CLOSED = ("won", "lost")
# kind, title ({n}: how many), products, fewest and most, price of one (CNY)
CATALOGUE = (
    ("laptops", "{n} laptops refresh", ("ProBook 450 G10", "Care Pack 3y NBD"), 40, 300, 6500),
    (
        "printers",
        "Office printers for {n} floors",
        ("LaserJet Pro M404", "OfficeJet 9130"),
        2,
        8,
        14600,
    ),
    ("servers", "Server room consolidation", ("ProLiant DL380 Gen11",), 4, 20, 95000),
    ("workstations", "{n} CAD workstations", ("Z4 G5",), 10, 60, 16800),
    ("network", "Core switch replacement", ("Aruba CX 6300",), 8, 40, 38500),
    ("zbooks", "Mobile workstations for {n} engineers", ("ZBook Firefly 14",), 10, 50, 12900),
    ("storage", "Backup storage", ("StoreOnce 3720",), 2, 6, 145000),
    ("pcs", "{n} desktop PCs", ("ProDesk 400 G9",), 30, 200, 4800),
)
SOURCES = ("website", "trade-show-{year}", "referral", "cold-call", "partner", "webinar")
LOST_REASONS = (
    "Chose Lenovo on price",
    "Budget frozen until next year",
    "Stayed with the incumbent supplier",
    "Project cancelled",
)
NOTES = {
    "qualify": (
        "First call with {contact}; sent the product overview.",
        "{contact} asked for references from their industry.",
        "Call with {contact}: the budget is planned for next year.",
        "Sent {contact} the brochure and a rough price range.",
        "{contact} is collecting requirements from the departments.",
        "Short call with {contact}; nothing decided yet, call again in two weeks.",
    ),
    "compare": (
        "Demo done; {contact} is comparing us with one other brand.",
        "Sent a revised quote to {contact}.",
        "Visited {contact} with presales; they liked the service offer.",
        "{contact} asked for a test unit; delivered one this week.",
        "Answered {contact}'s questions on warranty and delivery times.",
        "The other brand is cheaper; {contact} values our service, sent a better offer.",
    ),
    "commit": (
        "Verbal yes from {contact}; waiting for the purchase order.",
        "Contract sent to {contact} for signature.",
        "Final price agreed with {contact}.",
        "{contact} confirmed the budget; the PO goes through their finance now.",
        "Agreed the delivery plan with {contact}.",
    ),
    "won": ("PO received from {contact}.", "Signed contract back from {contact}; PO received."),
    "lost": ("{contact} told us: {reason}.",),
    "slipped": (
        "{contact} moved the decision to {month}.",
        "Budget approval is late; {contact} expects the decision in {month}.",
    ),
    "new": ("First meeting with {contact}: {title}.",),
}
HANDOVER_NOTES = {
    "visit": "Visited {contact} together with {from_name}; they are happy to work with {to_name}.",
    "phone": "{from_name} called {contact} and introduced {to_name}.",
    "later": "Called {contact} to introduce myself as their new contact.",
}
# account -> (what the story does with it, kind, stage, months from the as-of date to the close)
PLANTED = {
    "jiangnan-bank": ("last-stage", "network", "compare", 5),
    "jinhua-textiles": ("kept", "pcs", "compare", 1),
    "xihu-software": ("leaving", "servers", "commit", 3),
    "ninggang-shipping": ("leaving", "laptops", "qualify", 4),
    "huadong-electronics": ("last-slip", "laptops", "compare", 3),
    "litware-consulting": ("removed", "zbooks", "qualify", 4),
}


def month_end(day: date, months: int) -> date:
    """The last day of the month `months` after `day`'s month."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Deal:
    """A deal of the example as it stands at this point of the story; `text()` writes its file."""

    id: str
    folder: str
    account: str
    contact: str
    owner: str
    title: str
    kind: str
    products: tuple[str, ...]
    amount: Decimal
    expected_close: date
    stage: str
    source: str
    created: date
    closed_on: date | None = None
    lost_reason: str | None = None
    log: list[tuple[date, str]] = field(default_factory=list)
    hold: str = ""
    """Planted: only the story moves its stage (the rep's weekly work only logs and slips it)."""
    next_touch: date | None = None
    """When the rep logs it next; None: the rep forgot it (it goes stale)."""
    moved: date | None = None
    landed: date | None = None
    """The day it first reached the main line."""

    @property
    def path(self) -> str:
        """Where the deal's file lives in the example repository."""
        return f"data/deals/{self.folder}/{self.id}.yaml"

    @property
    def short(self) -> str:
        """The customer's short name, for pull request titles and branch names."""
        return self.account.split("-")[0]

    @property
    def is_open(self) -> bool:
        """Still in the pipeline: neither won nor lost."""
        return self.stage not in CLOSED

    def weighted(self) -> Decimal:
        """The amount times the stage's probability while open, as the site weighs the pipeline;
        nothing once closed."""
        return (
            weighted_amount(self.amount, Decimal(PROBABILITY[self.stage])) if self.is_open else ZERO
        )

    def text(self) -> str:
        """The deal file as a rep would write it, with the schema line editors check it against."""
        lines = [
            "# yaml-language-server: $schema=../../../schemas/deal.schema.json\n",
            f"account: {self.account}\n",
            f"contact: {scalar(self.contact)}\n",
            f"owner: {self.owner}\n",
            f"title: {scalar(self.title)}\n",
            f"products: [{', '.join(scalar(p, flow=True) for p in self.products)}]\n",
            f"amount: {json_amount(self.amount)}\n",
            f"expected_close: {self.expected_close}\n",
            f"stage: {self.stage}\n",
        ]
        if self.closed_on:
            lines.append(f"closed_on: {self.closed_on}\n")
        if self.lost_reason:
            lines.append(f"lost_reason: {scalar(self.lost_reason)}\n")
        lines += [f"source: {self.source}\n", f"created: {self.created}\n"]
        if self.log:
            lines.append("log:\n")
            lines += [f"  - {{date: {d}, note: {scalar(n, flow=True)}}}\n" for d, n in self.log]
        return "".join(lines)


def _deal(rng: Random, account: Account, owner: str, kind: str | None, created: date) -> Deal:
    entry = next((e for e in CATALOGUE if e[0] == kind), None) or rng.choice(CATALOGUE)
    kind, title, products, fewest, most, price = entry
    count = rng.randint(fewest, most)
    return Deal(
        id="",
        folder=account.territory,
        account=account.id,
        contact=rng.choice(account.contacts).name,
        owner=owner,
        title=title.format(n=count),
        kind=kind,
        products=products,
        amount=Decimal(count * price),
        expected_close=created,
        stage=STAGES[0],
        source=rng.choice(SOURCES).format(year=created.year),
        created=created,
        moved=created,
    )


def _named(deal: Deal, year: int) -> Deal:
    deal.id = f"{deal.short}-{deal.kind}-{year}"
    return deal


def note(rng: Random, deal: Deal, what: str) -> str:
    """A log entry in the rep's words for what happened to the deal."""
    said = {text for _, text in deal.log[-2:]}
    texts = [
        text.format(
            contact=deal.contact,
            reason=(deal.lost_reason or "").lower(),
            month=f"{deal.expected_close:%B %Y}",
            title=deal.title,
        )
        for text in NOTES[what if what in NOTES else deal.stage]
    ]
    return rng.choice([text for text in texts if text not in said] or texts)


def old_deals(rng: Random, account: Account, owner: str, start: date) -> list[Deal]:
    """The customer's closed deals from the years before the funnel moved to git."""
    deals = []
    for _ in range(rng.randint(1, 2)):
        deal = _deal(rng, account, owner, None, start - timedelta(days=rng.randint(300, 1100)))
        deal.closed_on = deal.created + timedelta(days=rng.randint(30, 120))
        deal.expected_close = month_end(deal.closed_on, 0)
        deal.stage = "lost" if rng.random() < 0.3 else "won"
        if deal.stage == "lost":
            deal.lost_reason = rng.choice(LOST_REASONS)
        deal.log = [
            (deal.created, note(rng, deal, "new")),
            (deal.closed_on, note(rng, deal, deal.stage)),
        ]
        deals.append(_named(deal, deal.closed_on.year))
    return deals


def open_deals(rng: Random, account: Account, owner: str, start: date, as_of: date) -> list[Deal]:
    """The customer's open deals on adoption day (the planted ones among them)."""
    planted = PLANTED.get(account.id)
    kinds: list[str | None] = [planted[1]] if planted else []
    if planted is None or planted[0] not in ("kept", "removed"):
        kinds += [None] * rng.randint(0 if planted else 1, 1)
    deals = []
    for index, kind in enumerate(kinds):
        deal = _deal(rng, account, owner, kind, start - timedelta(days=rng.randint(20, 150)))
        if planted and index == 0:
            deal.hold, deal.stage = planted[0], planted[2]
            deal.expected_close = month_end(as_of, planted[3])
        else:
            deal.stage = rng.choices(STAGES, (4, 3, 2))[0]
            deal.expected_close = month_end(start, rng.randint(1, 6))
        deal.moved = deal.created
        deal.log = [(deal.created, note(rng, deal, "new"))]
        if deal.stage != STAGES[0]:
            deal.log.append(
                (start - timedelta(days=rng.randint(3, 19)), note(rng, deal, deal.stage))
            )
        forgotten = not deal.hold and rng.random() < 0.12
        deal.next_touch = None if forgotten else start + timedelta(days=rng.randint(1, 13))
        deals.append(_named(deal, deal.expected_close.year))
    return deals


def new_deal(rng: Random, account: Account, owner: str, day: date, stage: str = "") -> Deal:
    """A prospect a rep enters today."""
    deal = _deal(rng, account, owner, None, day)
    deal.stage = stage or rng.choices(STAGES[:2], (3, 1))[0]
    deal.expected_close = month_end(day, rng.randint(2, 6))
    deal.log = [(day, note(rng, deal, "new"))]
    deal.next_touch = day + timedelta(days=rng.choice((7, 14)))
    return _named(deal, deal.expected_close.year)


RANK = ("logged", "slipped", "stage", "lost", "won")


def _decide(rng: Random, deal: Deal, day: date, push: bool) -> str:
    """What happens to an open deal the rep calls about: won, lost, stage, or only logged."""
    assert deal.landed is not None and deal.moved is not None
    if deal.hold:
        return "logged"
    if deal.stage == STAGES[-1]:
        closing = deal.expected_close <= day + timedelta(days=30)
        if closing and (day - deal.landed).days >= 21 and rng.random() < (0.85 if push else 0.45):
            return "won" if rng.random() < 0.75 else "lost"
        return "logged"
    if (day - deal.moved).days >= 14 and rng.random() < (0.4 if push else 0.2):
        return "stage"
    return "lost" if rng.random() < 0.03 else "logged"


def work_on(
    rng: Random, deals: list[Deal], day: date, push: bool
) -> tuple[list[Deal], tuple[str, str]]:
    """A rep's week on their open deals: the ones due for a call get a log entry, and some
    move, slip, win or lose. Returns them and the headline (commit subject, branch name)."""
    touched: list[tuple[str, Deal]] = []
    week_end = day + timedelta(days=6 - day.weekday())
    for deal in deals:
        if deal.next_touch is None or (deal.next_touch > week_end and not push):
            continue
        what = _decide(rng, deal, day, push)
        if what == "logged" and deal.expected_close < day + timedelta(days=10):
            what = "slipped"
        if what in CLOSED:
            deal.stage, deal.closed_on = what, day
            deal.lost_reason = rng.choice(LOST_REASONS) if what == "lost" else None
        elif what == "stage":
            deal.stage, deal.moved = STAGES[STAGES.index(deal.stage) + 1], day
        elif what == "slipped":
            deal.expected_close = month_end(max(deal.expected_close, day), rng.randint(1, 2))
        if deal.is_open and not deal.hold and rng.random() < 0.06:
            deal.amount = (deal.amount * rng.randint(85, 120) / 10000).quantize(Decimal(1)) * 100
        deal.log.append((day, note(rng, deal, what)))
        deal.next_touch = day + timedelta(days=rng.choice((7, 14)))
        touched.append((what, deal))
    if not touched:
        return [], ("", "")
    what, deal = max(touched, key=lambda pair: RANK.index(pair[0]))
    short = deal.short.capitalize()
    headline = {
        "won": (f"Won: {deal.title} ({short})", f"{deal.short}-won"),
        "lost": (f"Lost: {deal.title} ({short})", f"{deal.short}-lost"),
        "stage": (f"{short}: {deal.title} to {deal.stage}", f"{deal.short}-{deal.stage}"),
        "slipped": (f"{short}: decision moves to {deal.expected_close:%B}", f"{deal.short}-dates"),
        "logged": ("Log this week's customer calls", f"calls-week-{day.isocalendar()[1]}"),
    }[what]
    return [deal for _, deal in touched], headline


def handover_checklist(
    files: dict[str, str], from_id: str, to_id: str, day: date, accounts: list[str]
) -> tuple[str, str, dict[str, str]]:
    """What `funnel handover FROM TO --account ... --apply` writes on `day`: the checklist's
    path and text, and the deals of the plan with their method, in the plan's order."""
    from ..analytics.handover import plan_handover
    from ..data.load import load
    from ..data.problems import only_errors
    from ..exchange.handover import checklist_text

    with tempfile.TemporaryDirectory(prefix="funnel-example-") as folder:
        for path, text in files.items():
            if path.startswith("data/"):
                target = Path(folder, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        dataset, problems = load(Path(folder, "data"))
    assert not only_errors(problems), problems
    plan = plan_handover(dataset.valid(), from_id, day, to_id, accounts)
    checklist = checklist_text(None, plan, people()[from_id].name)
    assert checklist is not None
    items = {item.deal.id: method for method, group in plan.groups.items() for item in group}
    return f"data/handovers/{from_id}-{day}.yaml", checklist, items
