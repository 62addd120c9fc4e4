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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..data.model import Person, Team
from ..data.strictyaml import parse
from ..history.git import (
    GIT_ENV,
    FileChange,
    baseline_marks,
    commits_between,
    file_at,
    read_blobs,
    repository,
    resolve,
    tree_files,
)
from ..history.records import BASELINE_TRAILER, Commit, Snapshot, deal_id, snapshot
from .checklist_policy import Checklist, checklist_rule, read_checklist

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
Commits = list[tuple[Commit, list[FileChange]]]
"""The commits of a range, each with the files it changed."""

STRANGER = (
    "the author's email {email} is not in team.yaml: commit with the email team.yaml gives "
    "you, or ask a manager to add you"
)
MANAGERS_ONLY_CHANGE = (
    "only managers change the rules, the team, the workflows and the code: ask your manager "
    "to make this change"
)
BASELINE_MARK = (
    "only managers mark a commit as the baseline (the team's existing funnel on adoption day): "
    f"remove the `{BASELINE_TRAILER}` trailer, or ask your manager"
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
    """A rule a commit broke: by whom (`person`: their id in team.yaml, None for a stranger),
    in which file, and what to do instead."""

    commit: Commit
    person: str | None
    path: str
    message: str

    def __str__(self) -> str:
        who = f"{self.commit.author} <{self.commit.email}>"
        return f"{self.commit.sha[:10]} {who}: {self.path}: {self.message}"


@dataclass(frozen=True)
class PolicyResult:
    """The verdict on base..head: how many commits were judged and the rules they broke."""

    base: str
    head: str
    commits: int
    violations: list[Violation]

    def to_json(self) -> str:
        """The verdict as the JSON document `funnel policy --format json` prints."""
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


def team_at(root: Path, revision: str, prefix: str, *, env: Mapping[str, str] = GIT_ENV) -> Team:
    """team.yaml as it was at `revision`: the rules in force before the pull request."""
    path = f"{prefix}/team.yaml" if prefix else "team.yaml"
    text = file_at(root, revision, path, env=env)
    if text is None:
        raise PolicyError(f"no {path} at {revision[:10]}: the base must have a team")
    value, problems = parse(text.decode("utf-8", "replace"), path)
    try:
        if problems or not isinstance(value, dict):
            raise ValueError
        return Team.model_validate(value)
    except (ValueError, ValidationError):
        raise PolicyError(f"{path} at {revision[:10]} is not valid: fix it first") from None


def check_policy(
    data_dir: Path, base: str, head: str = "HEAD", *, git_env: Mapping[str, str] = GIT_ENV
) -> PolicyResult:
    """Judge every commit of base..head by the rules (see the module's docstring); git runs
    in `git_env`."""
    root, prefix = repository(data_dir, env=git_env)
    base_sha, head_sha = resolve(root, base, env=git_env), resolve(root, head, env=git_env)
    team = team_at(root, base_sha, prefix, env=git_env)
    commits = commits_between(root, base_sha, head_sha, env=git_env)
    judge = _judge(root, base_sha, prefix, team, commits, env=git_env)
    violations: list[Violation] = []
    written: dict[str, Checklist | None] = {}
    for commit, changes in commits:
        violations += judge.commit_violations(commit, changes, written)
    for commit in baseline_marks(root, base_sha, head_sha, env=git_env):
        violations += judge.baseline_violations(commit)
    return PolicyResult(base_sha, head_sha, len(commits), violations)


@dataclass(frozen=True)
class _Judge:
    """What a pull request is judged by: the team and the checklists as they were at the base,
    the paths only managers change, and the deal and checklist files of the range, read once."""

    people: dict[str, Person]
    by_email: dict[str, Person]
    deals_prefix: str
    handovers_prefix: str
    protected: list[str]
    base_checklists: dict[str, Checklist | None]
    blobs: dict[str, bytes]

    def commit_violations(
        self, commit: Commit, changes: list[FileChange], written: dict[str, Checklist | None]
    ) -> list[Violation]:
        """The rules a commit broke, file by file. `written` gathers the checklists written
        in the range so far: their writer decides who ticks their items."""
        person = self.by_email.get(commit.email.lower())
        if person is None:
            return [Violation(commit, None, "(commit)", STRANGER.format(email=commit.email))]
        moved = _moved_deals(changes)
        violations = []
        for change in changes:
            deal = change.path.startswith(self.deals_prefix)
            if deal and change.status == "D" and deal_id(change.path) in moved:
                continue  # a move between folders
            message = self.file_rule(person, change, written)
            if message:
                violations.append(Violation(commit, person.id, change.path, message))
        return violations

    def file_rule(
        self, person: Person, change: FileChange, written: dict[str, Checklist | None]
    ) -> str | None:
        """What `person` may not do to the file `change` touched (None: they may)."""
        if change.path.startswith(self.deals_prefix):
            return _deal_rule(person, self.people, change, self.blobs)
        if change.path.startswith(self.handovers_prefix):
            reference = self.base_checklists.get(change.path) or written.get(change.path)
            message = checklist_rule(person, self.people, reference, change, self.blobs)
            if message is None and change.path not in self.base_checklists:
                # written by the leaver's manager in this range: it decides who ticks
                written[change.path] = read_checklist(self.blobs.get(change.new_blob))
            return message
        if _is_protected(change.path, self.protected) and person.role != "manager":
            return MANAGERS_ONLY_CHANGE
        return None

    def baseline_violations(self, commit: Commit) -> list[Violation]:
        """A commit marked as the baseline by someone who is not a manager."""
        person = self.by_email.get(commit.email.lower())
        if person is not None and person.role == "manager":
            return []
        return [Violation(commit, person.id if person else None, "(commit)", BASELINE_MARK)]


def _judge(
    root: Path,
    base: str,
    prefix: str,
    team: Team,
    commits: Commits,
    *,
    env: Mapping[str, str] = GIT_ENV,
) -> _Judge:
    """The rules of base..head: the team and checklists at `base`, and every deal and
    checklist file the commits touch, read in one go."""
    deals_prefix = f"{prefix}/deals/" if prefix else "deals/"
    handovers_prefix = f"{prefix}/handovers/" if prefix else "handovers/"
    checklists_at_base = tree_files(root, base, handovers_prefix.rstrip("/"), env=env)
    touched = (
        blob
        for _, changes in commits
        for change in changes
        if change.path.startswith((deals_prefix, handovers_prefix))
        for blob in (change.old_blob, change.new_blob)
        if set(blob) != {"0"}
    )
    blobs = read_blobs(root, [*checklists_at_base.values(), *touched], env=env)
    return _Judge(
        people={p.id: p for p in team.people},
        by_email={p.email.lower(): p for p in team.people if p.email},
        deals_prefix=deals_prefix,
        handovers_prefix=handovers_prefix,
        protected=managers_only(prefix),
        base_checklists={
            path: read_checklist(blobs.get(blob)) for path, blob in checklists_at_base.items()
        },
        blobs=blobs,
    )


def _is_protected(path: str, protected: list[str]) -> bool:
    return any(
        path == pattern or (pattern.endswith("/") and path.startswith(pattern))
        for pattern in protected
    )


def _moved_deals(changes: list[FileChange]) -> set[str]:
    deleted = {deal_id(c.path) for c in changes if c.status == "D"}
    added = {deal_id(c.path) for c in changes if c.status == "A"}
    return {d for d in deleted & added if d}


def _version(blob: str, path: str, blobs: dict[str, bytes]) -> Snapshot | None:
    """A deal file as one side of a change left it (None: absent on that side)."""
    return snapshot(blobs[blob], path) if blob in blobs else None


def _deal_rule(
    person: Person, people: dict[str, Person], change: FileChange, blobs: dict[str, bytes]
) -> str | None:
    """What `person` may not do to a deal: delete it, take it over, or change another's."""
    deal = deal_id(change.path)
    old = _version(change.old_blob, change.path, blobs)
    new = _version(change.new_blob, change.path, blobs)
    before, after = old.owner if old else None, new.owner if new else None
    if change.status == "D" and (old.stage if old else None) not in ("won", "lost"):
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
