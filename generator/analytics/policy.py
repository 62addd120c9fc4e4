"""Access rules for pull requests: nobody quietly takes over another rep's customer.

Each commit's author is a person of team.yaml (by email), judged by the team as it was at the
base revision, so a pull request cannot grant itself rights. A rep may change only their own
deals, may not take a deal over from someone else, and closes deals as lost instead of
deleting them; a manager may change their own reps' deals; only managers change the rules
(funnel.yaml, team.yaml, targets.yaml), the workflows and the code, and only managers mark a
commit as the baseline. A handover checklist is written by the leaving rep's manager, and its
items are ticked off by the handover's people (FROM, TO) and their managers, as the checklist
was at the base.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..data.model import Person, Team
from ..data.strictyaml import parse
from ..history.git import (
    FileChange,
    commits_between,
    file_at,
    git,
    read_blobs,
    repository,
    resolve,
    tree_files,
)
from ..history.records import BASELINE_TRAILER, Commit, deal_id, snapshot

MANAGERS_ONLY = (
    "{data}funnel.yaml",
    "{data}team.yaml",
    "{data}targets.yaml",
    ".github/",
    "generator/",
    "templates/",
    "mkdocs.yml",
    "pyproject.toml",
    "requirements.lock",
    "Makefile",
    ".ci/",
    "CODEOWNERS",
)


def managers_only(data_prefix: str) -> list[str]:
    """The rules, the team, the workflows and the code: paths from the repository's top that
    only managers change (folders end in `/`); `data_prefix` is the data folder's path."""
    data = f"{data_prefix}/" if data_prefix else ""
    return [pattern.format(data=data) for pattern in MANAGERS_ONLY]


class PolicyError(Exception):
    """The rules cannot be applied (no team at the base revision, unknown revision)."""


@dataclass(frozen=True)
class Violation:
    commit: Commit
    person: str | None
    path: str
    message: str

    def __str__(self) -> str:
        who = f"{self.commit.author} <{self.commit.email}>"
        return f"{self.commit.sha[:10]} {who}: {self.path}: {self.message}"


@dataclass(frozen=True)
class PolicyResult:
    base: str
    head: str
    commits: int
    violations: list[Violation]

    def to_json(self) -> str:
        document = {
            "base": self.base,
            "head": self.head,
            "commits": self.commits,
            "ok": not self.violations,
            "violations": [
                {
                    "commit": v.commit.sha,
                    "author": v.commit.author,
                    "email": v.commit.email,
                    "person": v.person,
                    "path": v.path,
                    "message": v.message,
                }
                for v in self.violations
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def team_at(root: Path, revision: str, prefix: str) -> Team:
    """team.yaml as it was at `revision`: the rules in force before the pull request."""
    path = f"{prefix}/team.yaml" if prefix else "team.yaml"
    text = file_at(root, revision, path)
    if text is None:
        raise PolicyError(f"no {path} at {revision[:10]}: the base must have a team")
    value, problems = parse(text.decode("utf-8", "replace"), path)
    try:
        if problems or not isinstance(value, dict):
            raise ValueError
        return Team.model_validate(value)
    except (ValueError, ValidationError):
        raise PolicyError(f"{path} at {revision[:10]} is not valid: fix it first") from None


def check_policy(data_dir: Path, base: str, head: str = "HEAD") -> PolicyResult:
    """Judge every commit of base..head by the rules (see the module's docstring)."""
    root, prefix = repository(data_dir)
    base_sha, head_sha = resolve(root, base), resolve(root, head)
    team = team_at(root, base_sha, prefix)
    by_email = {p.email.lower(): p for p in team.people if p.email}
    people = {p.id: p for p in team.people}
    commits = commits_between(root, base_sha, head_sha)
    deals_prefix = f"{prefix}/deals/" if prefix else "deals/"
    handovers_prefix = f"{prefix}/handovers/" if prefix else "handovers/"
    checklists_at_base = tree_files(root, base_sha, handovers_prefix.rstrip("/"))
    blobs = read_blobs(
        root,
        [
            *checklists_at_base.values(),
            *(
                blob
                for _, changes in commits
                for change in changes
                if change.path.startswith((deals_prefix, handovers_prefix))
                for blob in (change.old_blob, change.new_blob)
                if set(blob) != {"0"}
            ),
        ],
    )
    base_checklists = {
        path: _read_checklist(blobs.get(blob)) for path, blob in checklists_at_base.items()
    }
    protected = managers_only(prefix)
    violations: list[Violation] = []
    written: dict[str, _Checklist | None] = {}
    for commit, changes in commits:
        person = by_email.get(commit.email.lower())
        if person is None:
            violations.append(
                Violation(
                    commit,
                    None,
                    "(commit)",
                    f"the author's email {commit.email} is not in team.yaml: commit with the "
                    "email team.yaml gives you, or ask a manager to add you",
                )
            )
            continue
        moved = _moved_deals(changes)
        for change in changes:
            if change.path.startswith(deals_prefix):
                if change.status == "D" and deal_id(change.path) in moved:
                    continue  # a move between folders
                message = _deal_rule(person, people, change, blobs)
            elif change.path.startswith(handovers_prefix):
                reference = base_checklists.get(change.path) or written.get(change.path)
                message = _checklist_rule(person, people, reference, change, blobs)
                if message is None and change.path not in base_checklists:
                    # written by the leaver's manager in this range: it decides who ticks
                    written[change.path] = _read_checklist(blobs.get(change.new_blob))
            elif _is_protected(change.path, protected) and person.role != "manager":
                message = (
                    "only managers change the rules, the team, the workflows and the code: "
                    "ask your manager to make this change"
                )
            else:
                message = None
            if message:
                violations.append(Violation(commit, person.id, change.path, message))
    for commit in baseline_marks(root, base_sha, head_sha):
        person = by_email.get(commit.email.lower())
        if person is None or person.role != "manager":
            violations.append(
                Violation(
                    commit,
                    person.id if person else None,
                    "(commit)",
                    "only managers mark a commit as the baseline (the team's existing funnel "
                    f"on adoption day): remove the `{BASELINE_TRAILER}` trailer, or ask your "
                    "manager",
                )
            )
    return PolicyResult(base_sha, head_sha, len(commits), violations)


def baseline_marks(root: Path, base: str, head: str) -> list[Commit]:
    """The commits of base..head (merges included) whose message carries the
    BASELINE_TRAILER, whatever its value, oldest first."""
    out = git(
        root,
        "log",
        "-z",
        "--reverse",
        f"--format=%H%x02%an%x02%ae%x02%ct%x02%s%x02%(trailers:key={BASELINE_TRAILER})",
        f"{base}..{head}",
    ).decode("utf-8", "surrogateescape")
    marked = []
    for record in out.split("\0"):
        if record.count("\x02") < 5:
            continue
        sha, author, email, stamp, subject, trailers = record.split("\x02", 5)
        if trailers.strip():
            day = datetime.fromtimestamp(int(stamp), UTC).date()
            marked.append(Commit(sha, author, email, day, subject))
    return marked


def _is_protected(path: str, protected: list[str]) -> bool:
    return any(
        path == pattern or (pattern.endswith("/") and path.startswith(pattern))
        for pattern in protected
    )


def _moved_deals(changes: list[FileChange]) -> set[str]:
    deleted = {deal_id(c.path) for c in changes if c.status == "D"}
    added = {deal_id(c.path) for c in changes if c.status == "A"}
    return {d for d in deleted & added if d}


def _owner(blob: str, path: str, blobs: dict[str, bytes]) -> str | None:
    if blob not in blobs:
        return None
    return snapshot(blobs[blob], path).owner


def _deal_rule(
    person: Person, people: dict[str, Person], change: FileChange, blobs: dict[str, bytes]
) -> str | None:
    deal = deal_id(change.path)
    before = _owner(change.old_blob, change.path, blobs)
    after = _owner(change.new_blob, change.path, blobs)
    if change.status == "D":
        stage = (
            snapshot(blobs[change.old_blob], change.path).stage
            if change.old_blob in blobs
            else None
        )
        if stage not in ("won", "lost"):
            return (
                f"deleted deal {deal} instead of closing it: set `stage: lost`, "
                "`closed_on` and a `lost_reason`"
            )
    if person.role == "manager":
        team = {p.id for p in people.values() if p.manager == person.id} | {person.id}
        outside = [owner for owner in (before, after) if owner and owner not in team]
        if outside:
            return (
                f"changed deal {deal} of {', '.join(sorted(set(outside)))}, who is not in "
                f"{person.id}'s team"
            )
        return None
    if before and before != person.id and after == person.id:
        return f"took deal {deal} over from {before}: a manager hands deals over"
    if person.id not in (before, after):
        owner = after or before or "nobody"
        return f"changed deal {deal}, which belongs to {owner}: only its owner or their manager may"
    return None


# -- handover checklists -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Checklist:
    """A checklist as policy compares it: who hands over, the rest of its head (`from`,
    `date`, anything unexpected) and its items by deal id."""

    origin: str | None
    head: tuple[Any, ...]
    items: dict[str, tuple[Any, ...]]


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def _read_checklist(data: bytes | None) -> _Checklist | None:
    """A checklist file read leniently; None when it is absent or not a mapping."""
    if data is None:
        return None
    try:
        value, _ = parse(data.decode("utf-8"), "checklist")
    except UnicodeDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    entries = value.get("deals")
    items: dict[str, tuple[Any, ...]] = {}
    strays = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("deal"), str):
            items[entry["deal"]] = (*items.get(entry["deal"], ()), _frozen(entry))
        else:
            strays.append(_frozen(entry))
    head = _frozen({key: item for key, item in value.items() if key != "deals"})
    if not isinstance(entries, list):
        head = (*head, ("deals", _frozen(entries)))
    origin = value.get("from")
    return _Checklist(origin if isinstance(origin, str) else None, (*head, *strays), items)


def _manager_of(people: dict[str, Person], person_id: str | None) -> str | None:
    person = people.get(person_id or "")
    return person.manager if person else None


def _checklist_rule(
    person: Person,
    people: dict[str, Person],
    base: _Checklist | None,
    change: FileChange,
    blobs: dict[str, bytes],
) -> str | None:
    """The leaving rep's manager writes a checklist (and adds deals to it); an item that was
    on the checklist at the base is changed only by FROM, that item's TO and their managers."""
    old = _read_checklist(blobs.get(change.old_blob))
    new = _read_checklist(blobs.get(change.new_blob))
    origins = {c.origin for c in (old, new) if c} if base is None else {base.origin}
    rewritten = base is None or old is None or new is None or old.head != new.head
    changed = [] if old is None or new is None else _changed_items(old, new)
    added = [deal for deal in changed if base is not None and deal not in base.items]
    if rewritten or added:
        managers = {_manager_of(people, origin) for origin in origins}
        if person.role == "manager" and managers <= {person.id}:
            return None
        whose = ", ".join(sorted(origin for origin in origins if origin)) or "its leaving rep"
        named = ", ".join(sorted(m for m in managers if m))
        what = f"added {', '.join(added)} to" if added and not rewritten else "wrote"
        return (
            f"{what} the handover checklist of {whose}: only {whose}'s manager"
            f"{f' ({named})' if named else ''} writes a checklist and adds deals to it "
            "(`funnel handover --apply`)"
        )
    assert base is not None
    refused = []
    for deal in changed:
        handover = {base.origin} | {_text(dict(item).get("to")) for item in base.items[deal]}
        allowed = handover | {_manager_of(people, someone) for someone in handover}
        if person.id not in allowed:
            who = ", ".join(sorted(someone for someone in handover if someone))
            refused.append(f"{deal}: only {who} and their managers tick it off")
    return f"changed the handover of {'; '.join(refused)}" if refused else None


def _changed_items(old: _Checklist, new: _Checklist) -> list[str]:
    return sorted(
        deal
        for deal in old.items.keys() | new.items.keys()
        if old.items.get(deal) != new.items.get(deal)
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
