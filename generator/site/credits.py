"""Who made a change and who merged it, named as team.yaml names them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..data.model import Person
from ..history.records import Commit


@dataclass(frozen=True)
class Credits:
    """Who made a change and who merged it, named as team.yaml names them: by the commit's
    email, else by the git name."""

    names: dict[str, str] = field(default_factory=dict)
    """email (case-folded) -> the person's name in team.yaml"""

    @classmethod
    def of(cls, people: Iterable[Person]) -> Credits:
        """The credits of a team: each person with an email, by that email."""
        return cls({person.email.casefold(): person.name for person in people if person.email})

    def name(self, git_name: str, email: str) -> str:
        """The team's name for the person behind a commit's email, else git's name."""
        return self.names.get(email.casefold(), git_name)

    def line(self, commit: Commit, t: Mapping[str, str]) -> str:
        """The author, and the merger when someone else landed the change (陈静, merged by
        张伟), in the site's words."""
        author = self.name(commit.author, commit.email)
        merger = self.name(commit.merged_by, commit.merged_email) if commit.merged_by else ""
        if not merger or merger == author:
            return author
        return t["by_merged"].format(author=author, merger=merger)
