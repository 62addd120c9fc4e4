"""The records of the funnel's history: commits, versions of deals, and the history itself.

A version of a deal is read leniently into a `Snapshot` (what cannot be read becomes None):
history must tell the story of files that were once broken too. Equal values (ids, stages,
dates) share one object within one read (`Interner`), which keeps the cache small and fast.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

BASELINE_TRAILER = "Funnel-Baseline"
"""The commit trailer (`Funnel-Baseline: import`) that marks a commit as part of the baseline:
the team's existing funnel, brought in on adoption day (see `funnel import`)."""


@dataclass(frozen=True)
class Commit:
    """A change as the main line tells it. `day` is the main-line commit's committer date,
    never earlier than its parent's: a back-dated commit cannot move a deal's first
    appearance into the past. `author` made the change (for a merge, the author of the branch
    commit that changed the deal); `merged_by` landed it, when that is someone else."""

    sha: str
    author: str
    email: str
    day: date
    subject: str
    merged_by: str = ""
    merged_email: str = ""
    baseline: bool = False
    """The change came with the baseline: the history's first data commit, or a commit
    marked with the BASELINE_TRAILER."""


EXTRA_FIELDS = ("products", "source", "lost_reason", "next_step", "created")


@dataclass(frozen=True)
class Snapshot:
    """The fields of one version of a deal that its history is told in (None: unreadable)."""

    path: str
    account: str | None
    contact: str | None
    owner: str | None
    title: str | None
    amount: Decimal | None
    expected_close: date | None
    stage: str | None
    closed_on: date | None
    log: tuple[tuple[date | None, str], ...]
    extra: tuple[Any, ...] = ()
    """The values of EXTRA_FIELDS, in that order (lists as tuples)."""

    def get(self, name: str) -> Any:
        """A field of EXTRA_FIELDS (None when absent)."""
        return self.extra[EXTRA_FIELDS.index(name)] if self.extra else None


@dataclass(frozen=True)
class Version:
    """A deal as a commit left it; `snapshot` is None when the commit removed the deal."""

    commit: Commit
    snapshot: Snapshot | None


@dataclass
class History:
    """Every version of every deal, oldest first, along the main line up to `head`."""

    root: Path
    data_prefix: str
    head: str
    commits: list[Commit] = field(default_factory=list)
    deals: dict[str, list[Version]] = field(default_factory=dict)
    baseline: str | None = None
    """The first commit that brought deals (an import, usually). It and the commits marked
    with BASELINE_TRAILER make the baseline (see `Commit.baseline`)."""
    saved: int = field(default=0, repr=False, compare=False)
    saved_head: str = field(default="", repr=False, compare=False)

    def until(self, head: str, line: Collection[str]) -> History:
        """The history as it stood when main-line commit `head` landed: only the commits of
        `line` (the main line up to `head`) and the versions they made. A new record; this
        one is left as it is (and never saved in its place)."""
        deals = {}
        for deal, versions in self.deals.items():
            kept = [version for version in versions if version.commit.sha in line]
            if kept:
                deals[deal] = kept
        commits = [commit for commit in self.commits if commit.sha in line]
        baseline = self.baseline if self.baseline in line else None
        return History(self.root, self.data_prefix, head, commits, deals, baseline)

    def first_seen(self, deal_id: str) -> date | None:
        """The day the deal first appeared on the main line. A deal that came with the
        baseline is known since its own `created` date (or `closed_on`, if earlier), never
        later than the baseline commit; every other deal since the day its commit landed."""
        versions = self.deals.get(deal_id)
        if not versions:
            return None
        first = versions[0]
        if first.commit.baseline and first.snapshot is not None:
            return min([*known_since(first.snapshot), first.commit.day])
        return first.commit.day

    def account_first_seen(self) -> dict[str, date]:
        """Account id -> the first appearance of any deal of that account."""
        seen: dict[str, date] = {}
        for deal_id, versions in self.deals.items():
            day = self.first_seen(deal_id)
            for version in versions:
                account = version.snapshot.account if version.snapshot else None
                if account and day is not None and (account not in seen or day < seen[account]):
                    seen[account] = day
        return seen

    def in_baseline(self, deal_id: str) -> bool:
        """Whether the deal first came with the baseline (adoption day, an import)."""
        versions = self.deals.get(deal_id)
        return bool(versions and versions[0].commit.baseline)


def known_since(snapshot: Snapshot) -> list[date]:
    """The dates a baseline deal says it was known on: `created`, and `closed_on` for a
    closed deal."""
    dates = [snapshot.get("created")]
    if snapshot.stage in ("won", "lost"):
        dates.append(snapshot.closed_on)
    return [day for day in dates if isinstance(day, date)]


def deal_id(path: str) -> str:
    """A deal's identity: its file's stem (a move between folders keeps the deal)."""
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


def is_log_entry(value: Any) -> bool:
    """A log entry as history keeps it: a (date or None, note) pair."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and (value[0] is None or isinstance(value[0], date))
        and isinstance(value[1], str)
    )


# -- snapshots ---------------------------------------------------------------------------------

_Value = TypeVar("_Value")


class Interner:
    """One object for equal values (ids, stages, dates) within one read of the history: a
    smaller, faster cache. Made anew for each read, so nothing grows for a process's life."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def share(self, value: _Value) -> _Value:
        """The one shared object equal to `value` (None stays None)."""
        if value is None:
            return value
        shared: _Value = self._values.setdefault(value, value)
        return shared


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return None


def _frozen(value: Any, share: Callable[[Any], Any]) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(item, share) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item, share)) for key, item in value.items()))
    return share(value) if isinstance(value, str | date) else value


def snapshot(text: bytes, path: str, shared: Interner | None = None) -> Snapshot:
    """Read one version of a deal leniently: what cannot be read becomes None. Equal values
    share one object through `shared` (a fresh Interner when not given)."""
    from ..data.strictyaml import parse  # YAML's own reader: not for a command that reads none

    share = (shared or Interner()).share
    try:
        value, _ = parse(text.decode("utf-8"), path)
    except UnicodeDecodeError:
        value = None
    data = value if isinstance(value, dict) else {}
    log = data.get("log") if isinstance(data.get("log"), list) else []

    def text_of(name: str) -> str | None:
        found = data.get(name)
        return share(found) if isinstance(found, str) else None

    def date_of(found: Any) -> date | None:
        return share(found) if isinstance(found, date) else None

    return Snapshot(
        path=share(path),
        account=text_of("account"),
        contact=text_of("contact"),
        owner=text_of("owner"),
        title=text_of("title"),
        amount=_amount(data.get("amount")),
        expected_close=date_of(data.get("expected_close")),
        stage=text_of("stage"),
        closed_on=date_of(data.get("closed_on")),
        log=tuple(
            (date_of(entry.get("date")), str(entry.get("note", "")))
            for entry in log or ()
            if isinstance(entry, dict)
        ),
        extra=tuple(_frozen(data.get(name), share) for name in EXTRA_FIELDS),
    )
