"""The funnel's history from git: every version of every deal on the main line, in one pass.

All git access of the project goes through this module: `git log` lists the changed files of
each first-parent commit (a merged pull request counts as one change, on the day it landed),
and one `git cat-file --batch` reads their contents. The result is cached by commit inside
`.git/`, so a rebuild reads only the commits that are new.

A deal's identity is its id (the file stem): a move between folders keeps the deal, and a deal
removed and added again keeps its oldest appearance.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..data.strictyaml import parse

CACHE_VERSION = 3
SHALLOW_MESSAGE = (
    "this clone is shallow, so the funnel's history is cut off: fetch the full history "
    "(`git fetch --unshallow`; in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)"
)


class HistoryError(Exception):
    """History cannot be read (not a git repository, a shallow clone, an unknown revision)."""


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
        return bool(versions) and versions[0].commit.baseline


def known_since(snapshot: Snapshot) -> list[date]:
    """The dates a baseline deal says it was known on: `created`, and `closed_on` for a
    closed deal."""
    dates = [snapshot.get("created")]
    if snapshot.stage in ("won", "lost"):
        dates.append(snapshot.closed_on)
    return [day for day in dates if isinstance(day, date)]


# -- git ---------------------------------------------------------------------------------------


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in `root` and return its output; a failure becomes a HistoryError."""
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        input=input,
        capture_output=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


def repository(data_dir: Path) -> tuple[Path, str]:
    """The repository's top folder and the data folder's path inside it (`data`)."""
    try:
        top = git(data_dir, "rev-parse", "--show-toplevel").decode().strip()
    except (HistoryError, FileNotFoundError) as exc:
        raise HistoryError(f"{data_dir} is not inside a git repository: {exc}") from None
    root = Path(top)
    prefix = Path(os.path.relpath(data_dir.resolve(), root.resolve())).as_posix()
    return root, "" if prefix == "." else prefix


def is_shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository").decode().strip() == "true"


def resolve(root: Path, revision: str) -> str:
    try:
        return (
            git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
        )
    except HistoryError:
        raise HistoryError(f"unknown revision `{revision}`: name a commit, branch or tag") from None


def read_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs through one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = git(root, "cat-file", "--batch", input="".join(f"{sha}\n" for sha in wanted).encode())
    blobs: dict[str, bytes] = {}
    position = 0
    for sha in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        if len(header) < 3 or header[1] == b"missing":
            position = end + 1
            continue
        size = int(header[2])
        blobs[sha] = out[end + 1 : end + 1 + size]
        position = end + 1 + size + 1
    return blobs


def tree_files(root: Path, revision: str, *paths: str) -> dict[str, str]:
    """Path -> blob sha of every file at or under `paths` (the top folder when none) at
    `revision`."""
    wanted = [path or "." for path in paths] or ["."]
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", revision, "--", *wanted)
    files = {}
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


@dataclass(frozen=True)
class _Change:
    status: str
    blob: str
    path: str


MAIN_LINE_LOG = (
    "log",
    "-z",
    "--first-parent",
    "--reverse",
    "--raw",
    "--no-renames",
    "--no-abbrev",
    "--diff-merges=first-parent",
)
"""`git log` of the main line, oldest first, with each commit's changed files and blobs."""


LOG_FORMAT = (
    "--format=%x01%H%x02%P%x02%an%x02%ae%x02%cn%x02%ce%x02%ct%x02"
    f"%(trailers:key={BASELINE_TRAILER},valueonly,separator=%x2C)%x02%s"
)
"""Each commit's sha, parents, author, committer, date, baseline trailer and subject."""


@dataclass
class _Logged:
    """A commit as `git log` gave it, with the files it changed."""

    sha: str
    parents: list[str]
    author: str
    email: str
    committer: str
    committer_email: str
    day: date
    marked: bool
    subject: str
    changes: list[_Change]
    touched_data: bool = False


def _parse_log(out: str, deals: str) -> Iterator[_Logged]:
    """Commits of `git log -z --raw` in LOG_FORMAT, each with the deal files (under `deals`)
    it changed."""
    for header, entries in _raw_entries(out):
        sha, parents, author, email, committer, committer_email, stamp, trailer, subject = (
            header.split("\x02", 8)
        )
        yield _Logged(
            sha=sha,
            parents=parents.split(),
            author=author,
            email=email,
            committer=committer,
            committer_email=committer_email,
            day=datetime.fromtimestamp(int(stamp), UTC).date(),
            marked=bool(trailer.strip()),
            subject=subject,
            changes=[
                _Change(status, new_blob, path)
                for status, _, new_blob, path in entries
                if path.startswith(deals) and path.endswith(".yaml")
            ],
            touched_data=bool(entries),
        )


def _log(root: Path, revisions: str, prefix: str) -> list[_Logged]:
    """First-parent commits that changed the data folder (oldest first), each with the deal
    files it changed (`touched_data`: whether it changed any file of the data folder)."""
    out = git(root, *MAIN_LINE_LOG, LOG_FORMAT, revisions, "--", prefix or ".")
    return list(_parse_log(out.decode("utf-8", "surrogateescape"), _deals_folder(prefix)))


def _deals_folder(prefix: str) -> str:
    return f"{prefix}/deals/" if prefix else "deals/"


def _branch_commits(root: Path, merges: list[_Logged], prefix: str) -> dict[str, list[_Logged]]:
    """For each merge of the main line, the commits its branch brought (newest first), with
    the deal files each changed: who made the changes that the merge landed."""
    if not merges:
        return {}
    tips = [parent for merge in merges for parent in merge.parents[1:]]
    main_line = set(
        git(root, "rev-list", "--first-parent", merges[-1].sha, "--not", merges[0].parents[0])
        .decode()
        .split()
    )
    out = git(
        root, "log", "-z", "--raw", "--no-renames", "--no-abbrev", LOG_FORMAT,
        *tips, "--not", merges[0].parents[0],
    )  # fmt: skip
    # merges inside a branch list no files (no --diff-merges): they are walked, never credited
    branch = _parse_log(out.decode("utf-8", "surrogateescape"), _deals_folder(prefix))
    logged = {commit.sha: commit for commit in branch}
    seen = set(main_line)
    brought: dict[str, list[_Logged]] = {}
    for merge in merges:
        found: list[_Logged] = []
        stack = list(merge.parents[1:])
        while stack:
            sha = stack.pop()
            if sha in seen:
                continue
            seen.add(sha)
            if sha in logged:
                found.append(logged[sha])
                stack.extend(logged[sha].parents)
        found.sort(key=lambda commit: commit.day, reverse=True)
        brought[merge.sha] = found
    return brought


def _author_of(deal: str, merge: _Logged, brought: list[_Logged]) -> _Logged:
    """The branch commit that last changed `deal` (the merge itself when none did)."""
    for commit in brought:
        if any(deal_id(change.path) == deal for change in commit.changes):
            return commit
    return merge


def _raw_entries(out: str) -> Iterator[tuple[str, list[tuple[str, str, str, str]]]]:
    """Parse `git log -z --raw --format=%x01...`: each commit's header and its files as
    (status, old blob, new blob, path)."""
    for chunk in out.split("\x01")[1:]:
        header, _, rest = chunk.partition("\0")
        tokens = rest.lstrip("\n").split("\0")
        entries = []
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
            parts = meta.lstrip("\n").split()
            if len(parts) >= 5:
                entries.append((parts[4][0], parts[2], parts[3], path))
        yield header, entries


# -- snapshots ---------------------------------------------------------------------------------


_SHARED: dict[Any, Any] = {}


def is_log_entry(value: Any) -> bool:
    """A log entry as history keeps it: a (date or None, note) pair."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and (value[0] is None or isinstance(value[0], date))
        and isinstance(value[1], str)
    )


def _shared(value: Any) -> Any:
    """One object for equal values (ids, stages, dates): a smaller, faster cache."""
    if value is None:
        return None
    return _SHARED.setdefault(value, value)


def _date(value: Any) -> date | None:
    return _shared(value) if isinstance(value, date) else None


def _text(value: Any) -> str | None:
    return _shared(value) if isinstance(value, str) else None


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return None


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return _shared(value) if isinstance(value, str | date) else value


def snapshot(text: bytes, path: str) -> Snapshot:
    """Read one version of a deal leniently: what cannot be read becomes None."""
    try:
        value, _ = parse(text.decode("utf-8"), path)
    except UnicodeDecodeError:
        value = None
    data = value if isinstance(value, dict) else {}
    log = data.get("log") if isinstance(data.get("log"), list) else []
    return Snapshot(
        path=_shared(path),
        account=_text(data.get("account")),
        contact=_text(data.get("contact")),
        owner=_text(data.get("owner")),
        title=_text(data.get("title")),
        amount=_amount(data.get("amount")),
        expected_close=_date(data.get("expected_close")),
        stage=_text(data.get("stage")),
        closed_on=_date(data.get("closed_on")),
        log=tuple(
            (_date(entry.get("date")), str(entry.get("note", "")))
            for entry in log
            if isinstance(entry, dict)
        ),
        extra=tuple(_frozen(data.get(name)) for name in EXTRA_FIELDS),
    )


def deal_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


# -- mining and the cache ----------------------------------------------------------------------


def _cache_folder(root: Path) -> Path:
    common = git(root, "rev-parse", "--git-common-dir").decode().strip()
    folder = Path(common) if os.path.isabs(common) else root / common
    return folder / "funnel"


def _extend(history: History, revisions: str, after: str | None = None) -> bool:
    """Add the first-parent commits of `revisions` to `history` (oldest first). With `after`,
    refuse (return False) unless they continue the main line from that commit."""
    pending = _log(history.root, revisions, history.data_prefix)
    if after is not None and pending and pending[0].parents[:1] != [after]:
        return False  # `after` is not on the new main line (history was rewritten)
    merges = [logged for logged in pending if len(logged.parents) > 1 and logged.changes]
    brought = _branch_commits(history.root, merges, history.data_prefix)
    blobs = read_blobs(
        history.root,
        (c.blob for logged in pending for c in logged.changes if c.status != "D"),
    )
    last_day = history.commits[-1].day if history.commits else date.min
    for logged in pending:
        day = max(logged.day, last_day)  # back-dated: it cannot land before what came first
        last_day = day
        first_data = history.baseline is None and logged.touched_data
        if first_data:
            history.baseline = logged.sha
        commit = _landed(logged, logged, day, first_data)
        history.commits.append(commit)
        touched: dict[str, Version] = {}
        for change in logged.changes:
            deal = deal_id(change.path)
            if logged.sha in brought:
                made = _author_of(deal, logged, brought[logged.sha])
                by = _landed(made, logged, day, first_data)
            else:
                by = commit
            if change.status == "D":
                touched.setdefault(deal, Version(by, None))
            elif change.blob in blobs:
                touched[deal] = Version(by, snapshot(blobs[change.blob], change.path))
        for deal, version in touched.items():
            versions = history.deals.setdefault(deal, [])
            already_gone = version.snapshot is None and (
                not versions or versions[-1].snapshot is None
            )
            if not already_gone:
                versions.append(version)
    return True


GITHUB_COMMITTER = "noreply@github.com"
"""GitHub commits squash and rebase merges made on its web site as itself: nobody to name."""


def _landed(made: _Logged, main: _Logged, day: date, first_data: bool) -> Commit:
    """The change `made` by a commit as the main-line commit `main` landed it on `day`."""
    if made is not main:  # a branch commit, landed by a merge
        merger, merger_email = main.author, main.email
    else:  # the main line's own commit: squash and rebase merges name their committer
        merger, merger_email = made.committer, made.committer_email
    same = made.email.lower() == merger_email.lower() or merger_email.lower() == GITHUB_COMMITTER
    return Commit(
        sha=main.sha,
        author=_shared(made.author),
        email=_shared(made.email),
        day=_shared(day),
        subject=main.subject,
        merged_by="" if same else _shared(merger),
        merged_email="" if same else _shared(merger_email),
        baseline=first_data or made.marked,
    )


def read_history(data_dir: Path, *, use_cache: bool = True) -> History:
    """The history of the deals under `data_dir` up to HEAD, from the cache where it can."""
    root, prefix = repository(data_dir)
    if is_shallow(root):
        raise HistoryError(SHALLOW_MESSAGE)
    try:
        head = resolve(root, "HEAD")
    except HistoryError:
        return History(root, prefix, head="")  # a repository without commits
    enabled = gc.isenabled()
    gc.disable()  # many small objects and no cycles: the collector would only slow it down
    try:
        return _read(root, prefix, head, use_cache)
    finally:
        if enabled:
            gc.enable()


def _read(root: Path, prefix: str, head: str, use_cache: bool) -> History:
    folder = _cache_folder(root)
    history = _load_cache(folder, prefix) if use_cache else None
    if history is not None and history.head == head:
        history.root = root
        return history
    if history is not None and _is_ancestor(root, history.head, head):
        history.root = root
        if not _extend(history, f"{history.head}..{head}", after=history.head):
            history = None
    else:
        history = None
    if history is None:
        history = History(root, prefix, head)
        _extend(history, head)
    history.head = head
    if use_cache:
        _save_cache(folder, history)
    return history


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    try:
        git(root, "merge-base", "--is-ancestor", old, new)
    except HistoryError:
        return False
    return True


# The cache: a base file with the whole history as it was once, and a tail file with the
# commits since, rewritten on each rebuild (small); past TAIL_LIMIT commits the base is
# written anew. Both live in .git/funnel/, never in the working tree.
TAIL_LIMIT = 500
BASE_FILE = f"history-v{CACHE_VERSION}.base.pickle"
TAIL_FILE = f"history-v{CACHE_VERSION}.tail.pickle"


def _unpickle(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None


def _load_cache(folder: Path, prefix: str) -> History | None:
    history = _unpickle(folder / BASE_FILE)
    if not isinstance(history, History) or history.data_prefix != prefix:
        return None
    history.saved = len(history.commits)
    tail = _unpickle(folder / TAIL_FILE)
    if isinstance(tail, dict) and tail.get("base") == history.head:
        history.commits.extend(tail["commits"])
        for deal, versions in tail["versions"].items():
            history.deals.setdefault(deal, []).extend(versions)
        history.baseline = history.baseline or tail["baseline"]
        history.head = tail["head"]
        history.saved_head = tail["base"]
    else:
        history.saved_head = history.head
    return history


def _write(path: Path, value: Any) -> None:
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def _save_cache(folder: Path, history: History) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        new = history.commits[history.saved :]
        if not history.saved or len(new) > TAIL_LIMIT:
            history.saved, history.saved_head = len(history.commits), history.head
            _write(folder / BASE_FILE, history)
            (folder / TAIL_FILE).unlink(missing_ok=True)
            return
        shas = {commit.sha for commit in new}
        versions = {
            deal: suffix
            for deal, all_versions in history.deals.items()
            if (suffix := [v for v in all_versions[-len(new) :] if v.commit.sha in shas])
        }
        tail = {
            "base": history.saved_head,
            "head": history.head,
            "commits": new,
            "versions": versions,
            "baseline": history.baseline,
        }
        _write(folder / TAIL_FILE, tail)
    except OSError:
        pass  # a read-only repository: history is mined again next time


# -- deals at a revision -----------------------------------------------------------------------


def deals_at(root: Path, revision: str | None, prefix: str) -> dict[str, Snapshot]:
    """Every deal as it is at `revision` (None revision: the working tree)."""
    deals_prefix = f"{prefix}/deals" if prefix else "deals"
    if revision is None:
        folder = root / deals_prefix
        return {
            deal_id(path.name): snapshot(path.read_bytes(), path.relative_to(root).as_posix())
            for path in sorted(folder.rglob("*.yaml"))
            if path.is_file() and not path.is_symlink()
        }
    files = tree_files(root, revision, deals_prefix)
    blobs = read_blobs(root, files.values())
    return {
        deal_id(path): snapshot(blobs[sha], path)
        for path, sha in sorted(files.items())
        if path.endswith(".yaml") and sha in blobs
    }


def files_at(root: Path, revision: str | None, paths: list[str]) -> dict[str, bytes]:
    """Path -> content of every file at or under `paths` (from the repository's top) at
    `revision` (None: the working tree)."""
    if revision is None:
        found: dict[str, bytes] = {}
        for name in paths:
            target = root / name
            candidates = sorted(target.rglob("*")) if target.is_dir() else [target]
            for path in candidates:
                if path.is_file() and not path.is_symlink():
                    found[path.relative_to(root).as_posix()] = path.read_bytes()
        return found
    files = tree_files(root, revision, *paths)
    blobs = read_blobs(root, files.values())
    return {path: blobs[sha] for path, sha in sorted(files.items()) if sha in blobs}


def uncommitted(data_dir: Path) -> list[str]:
    """Tracked files under `data_dir` with changes not yet committed (staged or not)."""
    root, prefix = repository(data_dir)
    out = git(root, "status", "--porcelain", "-z", "--untracked-files=no", "--", prefix or ".")
    return [entry[3:] for entry in out.decode("utf-8", "surrogateescape").split("\0") if entry]


@dataclass(frozen=True)
class FileChange:
    """A file a commit changed: status A/M/D, the blobs before and after, and its path."""

    status: str
    old_blob: str
    new_blob: str
    path: str


def commits_between(root: Path, base: str, head: str) -> list[tuple[Commit, list[FileChange]]]:
    """Every commit (merges left out) in base..head, oldest first, with all the files it
    changed: who changed what, for the access rules."""
    out = git(
        root,
        "log",
        "-z",
        "--reverse",
        "--no-merges",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--format=%x01%H%x02%an%x02%ae%x02%ct%x02%s",
        f"{base}..{head}",
    ).decode("utf-8", "surrogateescape")
    commits = []
    for header, entries in _raw_entries(out):
        sha, author, email, stamp, subject = header.split("\x02", 4)
        day = datetime.fromtimestamp(int(stamp), UTC).date()
        changes = [FileChange(*entry) for entry in entries]
        commits.append((Commit(sha, author, email, day, subject), changes))
    return commits


def file_at(root: Path, revision: str, path: str) -> bytes | None:
    """A file's content at a revision (None if it does not exist there)."""
    try:
        return git(root, "show", f"{revision}:{path}")
    except HistoryError:
        return None
