"""The example's months, told as commits in the order they happen.

Week 0 the East manager starts the repository and imports the East funnel; two weeks later
the North manager imports theirs. From then on each rep works their deals in a pull request a
week, which their manager merges or squashes (or the rep commits directly). Planted on top:
the managers' targets and a rule change, a quarter-end push, a late entry, a deal deleted
instead of lost, the leaving rep's handover ticked off over two weeks, and a last pull request.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from random import Random

from ..analytics.calendar import Week
from ..data.money import ZERO
from .deals import (
    HANDOVER_NOTES,
    Deal,
    handover_checklist,
    month_end,
    new_deal,
    note,
    old_deals,
    open_deals,
    work_on,
)
from .mainline import MainLine
from .repository import (
    Handover,
    Import,
    LateEntry,
    Removal,
    Repository,
    RuleChange,
    Story,
    WeekFacts,
)
from .team import (
    FORMER,
    FUNNEL_YAML,
    GITIGNORE,
    HOW_WE_WORK,
    MANAGERS,
    MKDOCS_YML,
    README_MD,
    REPS,
    account_yaml,
    new_account,
    people,
    scalar,
    targets_yaml,
    team_yaml,
)

LEAVING, SUCCESSOR, KEPT_ACCOUNT, LATE_REP = "liu-yang", "wang-li", "jinhua-textiles", "tom-becker"


def tell(repository: Repository, seed: int, months: int, as_of: date) -> Team:
    """Plan the whole history into `repository` (nothing is written yet)."""
    team = Team(repository, Random(seed), months, as_of)
    team.run()
    return team


class Team(MainLine):
    """The team at work, month by month: the episodes the example plants."""

    # -- the months ---------------------------------------------------------------------------

    def run(self) -> None:
        """Play the months week by week: the planted episodes on their days and hours and each
        rep's weekly change set, all landed in time order."""
        last = len(self.mondays) - 1
        push = self.push_week(last)
        # (week, weekday, hour, minute, what happens)
        planted: list[tuple[int, int, int, int, Callable[[date], None]]] = [
            (0, 0, 9, 10, self.setup),
            (0, 1, 10, 5, partial(self.import_territory, "east")),
            (2, 1, 10, 20, partial(self.import_territory, "north")),
            (3, 0, 9, 20, partial(self.targets, "zhang-wei", ["east"])),
            (4, 0, 9, 40, partial(self.targets, "sarah-collins", ["east", "north"])),
            (max(5, last // 3), 1, 9, 15, self.rule_change),
            (last // 2, 1, 14, 10, self.late_entry),
            (last // 2 + 1, 1, 14, 5, self.late_entry_won),
            ((2 * last) // 3, 2, 14, 20, self.remove_deal),
            (last - 6, 0, 9, 5, self.leaving),
            (last - 5, 0, 9, 30, self.hand_over),
            (last - 3, 2, 14, 40, self.kept_to_commit),
            (last, 4, 14, 0, self.last_pull),
        ]
        for week in range(last + 1):
            days = self.days(week)
            for _, weekday, hour, minute, action in (p for p in planted if p[0] == week):
                day = days[min(weekday, len(days) - 1)]
                self.schedule(self.at(day, hour, minute), partial(action, day))
            for territory in sorted(self.started):
                for rep in REPS[territory]:
                    self.weekly(rep, days, push=week == push)
            end = self.at(self.mondays[week] + timedelta(7), 0)
            while self.queue and (week == last or self.queue[0][0] < end):
                heapq.heappop(self.queue)[2]()

    def push_week(self, last: int) -> int:
        """The quarter-end push: the last week that ends a quarter, well before the handover."""
        for week in range(last - 7, 3, -1):
            friday = self.mondays[week] + timedelta(4)
            if friday.month % 3 == 0 and (friday + timedelta(7)).month != friday.month:
                return week
        return max(4, last // 2 - 2)

    def setup(self, day: date) -> None:
        """The East manager's first commit: README, site settings, how we work, stages and rules,
        the team and the schemas."""
        from ..data.schema import schema_files

        files = {
            "README.md": README_MD.format(site_name="Sales funnel", week=Week.of(self.as_of).name),
            ".gitignore": GITIGNORE,
            "mkdocs.yml": MKDOCS_YML.format(site_name="Sales funnel"),
            "docs/how-we-work.md": HOW_WE_WORK,
            "data/funnel.yaml": FUNNEL_YAML.format(stale=14),
            "data/team.yaml": team_yaml(self.statuses),
            **{f"schemas/{name}": text for name, text in schema_files().items()},
        }
        message = (
            "Start the funnel: stages, rules and the team\n\nThe deals come next, from the CRM.\n"
        )
        self.repo.commit(files, self.sign("zhang-wei", self.at(day, 9, 10)), message)

    def import_territory(self, territory: str, day: date) -> None:
        """A manager imports the territory's customers and deals from the CRM in one baseline
        commit; its reps work the deals from then on."""
        files: dict[str, str | None] = {}
        counts: dict[str, int] = {}
        owners = {name: rep for rep, names in REPS[territory].items() for name in names}
        former = {name: rep for rep, names in FORMER.items() for name in names}
        for account_id in sorted(owners):
            account, owner = self.accounts[account_id], owners[account_id]
            files[f"data/accounts/{account_id}.yaml"] = account_yaml(account)
            deals = old_deals(self.rng, account, former.get(account_id, owner), day)
            for deal in deals + open_deals(self.rng, account, owner, day, self.as_of):
                files[self.add(deal).path] = deal.text()
                counts[deal.owner] = counts.get(deal.owner, 0) + 1
        manager = MANAGERS[territory]
        message = (
            f"Import the {territory.title()} team's funnel from the CRM\n\n"
            f"{len(owners)} customers and {sum(counts.values())} deals, open and closed, "
            "as the CRM had them.\n\nFunnel-Baseline: import\n"
        )
        commit = self.repo.commit(files, self.sign(manager, self.at(day, 10, 5)), message)
        self.record(commit, baseline=True)
        self.started.add(territory)
        self.imports.append((commit, manager, territory, tuple(sorted(owners)), counts))

    def add(self, deal: Deal) -> Deal:
        """Take a deal into the story, numbering its id when a deal already has it."""
        base, number = deal.id, 2
        while deal.id in self.deals:
            deal.id, number = f"{base}-{number}", number + 1
        self.deals[deal.id] = deal
        return deal

    def targets(self, manager: str, territories: list[str], day: date) -> None:
        """A manager commits targets.yaml: the targets of the given territories and their reps."""
        years = range(self.mondays[0].year, self.as_of.year + 2)
        text = targets_yaml(territories, years, self.as_of.year)
        message = f"Targets of the {territories[-1].title()} team"
        commit = self.direct(manager, self.at(day, 9, 20), message, {"data/targets.yaml": text})
        self.planted.targets.append(commit)

    def rule_change(self, day: date) -> None:
        """The East manager lets a deal go three weeks without a log entry before it is stale,
        not two: a rule change the history pages show."""
        message = (
            "A deal is stale after three weeks without a log entry, not two\n\n"
            "Reps log each customer every week or two; at 14 days half the funnel was stale.\n"
        )
        changes = {"data/funnel.yaml": FUNNEL_YAML.format(stale=21)}
        commit = self.direct("zhang-wei", self.at(day, 9, 15), message, changes)
        self.planted.rule = (commit, "stale_after_days", 14, 21)

    # -- a rep's week -------------------------------------------------------------------------

    def weekly(self, rep: str, days: list[date], push: bool) -> None:
        """Plan a rep's change set of the week at a random hour of one of its days, to land by
        merge, squash or directly."""
        day = self.rng.choice(days)
        when = self.at(day, self.rng.randint(10, 11), self.rng.randrange(60))
        merged = self.at(day, self.rng.randint(12, 13), 30 + self.rng.randrange(30))
        how = self.rng.choices(("merge", "squash", "direct"), (7, 4, 1))[0]
        self.schedule(when, lambda: self.work(rep, when, merged, how, push))

    def work(self, rep: str, when: datetime, merged: datetime, how: str, push: bool) -> None:
        """The rep's change set of the week, landed as `how` says."""
        mine = [
            deal
            for deal in sorted(self.deals.values(), key=lambda deal: deal.id)
            if deal.owner == rep and deal.is_open and deal.landed and deal.id not in self.pending
        ]
        touched, (subject, slug) = work_on(self.rng, mine, when.date(), push)
        added = None
        active = self.statuses.get(rep, ("active",))[0] == "active"
        if active and self.rng.random() < (0.4 if push else 0.2):
            names = [name for name in REPS[people()[rep].territory][rep] if name != KEPT_ACCOUNT]
            account = self.accounts[self.rng.choice(names)]
            added = self.add(new_deal(self.rng, account, rep, when.date()))
            subject, slug = f"New deal: {added.title} ({added.short.capitalize()})", added.id
        if not touched and added is None:
            return
        if how == "direct":
            changed = [*touched, *([added] if added else [])]
            self.direct(rep, when, subject, {deal.path: deal.text() for deal in changed})
            return
        pull = self.pull(rep, slug, subject)
        if added is not None:
            self.push(pull, rep, when, subject, [added])
        if touched:
            message = "Log this week's customer calls" if added else subject
            self.push(pull, rep, when + timedelta(minutes=12), message, touched)
        self.schedule(merged, lambda: self.merge(pull, rep, merged, how))

    # -- planted ------------------------------------------------------------------------------

    def late_entry(self, day: date) -> None:
        """A new customer's deal, entered at the commit stage: it is won next week."""
        account = new_account()
        self.accounts[account.id] = account
        deal = self.add(new_deal(self.rng, account, LATE_REP, day, stage="commit"))
        deal.hold, deal.expected_close = "late", month_end(day, 0)
        deal.log = [(day, f"First meeting with {deal.contact}: they need it before month end.")]
        pull = self.pull(LATE_REP, deal.id, f"New customer {account.name}: {deal.title}")
        changes = {
            f"data/accounts/{account.id}.yaml": account_yaml(account),
            deal.path: deal.text(),
        }
        self.push(pull, LATE_REP, self.at(day, 14, 10), pull.title, changes)
        self.merge(pull, LATE_REP, self.at(day, 16, 40), "merge", name="late-added")
        self.planted.late = (account.id, deal.id, deal.owner)

    def late_entry_won(self, day: date) -> None:
        """The deal entered late is won the week after; its manager squashes the win in."""
        assert self.planted.late is not None
        deal = self.deals[self.planted.late[1]]
        deal.stage, deal.closed_on = "won", day
        deal.log.append((day, note(self.rng, deal, "won")))
        title = f"Won: {deal.title} ({deal.short.capitalize()})"
        pull = self.pull(LATE_REP, f"{deal.short}-won", title)
        self.push(pull, LATE_REP, self.at(day, 14, 5), title, [deal])
        self.merge(pull, LATE_REP, self.at(day, 15, 30), "squash", name="late-won")

    def remove_deal(self, day: date) -> None:
        """A rep deletes a deal's file instead of closing it as lost; the manager squashes it."""
        deal = next(deal for deal in self.deals.values() if deal.hold == "removed")
        title = f"Remove the {deal.short.capitalize()} deal: they bought elsewhere"
        pull = self.pull(deal.owner, f"{deal.short}-cleanup", title)
        self.push(pull, deal.owner, self.at(day, 14, 20), title, {deal.path: None})
        self.merge(pull, deal.owner, self.at(day, 16, 10), "squash", name="removed")
        del self.deals[deal.id]
        self.planted.removed = (deal.id, deal.owner)

    def leaving(self, day: date) -> None:
        """The manager marks 刘洋 as leaving, with his last day and his customers going to 王丽."""
        last_day = day + timedelta(weeks=7, days=4)
        self.statuses[LEAVING] = ("leaving", f"last day {last_day}; his customers go to 王丽")
        message = f"刘洋 leaves on {last_day}: his customers go to 王丽"
        changes = {"data/team.yaml": team_yaml(self.statuses)}
        self.direct("zhang-wei", self.at(day, 9, 5), message, changes)

    def hand_over(self, day: date) -> None:
        """`funnel handover --apply` for all but one customer; ticked off over two weeks."""
        mine = [deal for deal in self.deals.values() if deal.owner == LEAVING and deal.is_open]
        kept = tuple(sorted(deal.id for deal in mine if deal.account == KEPT_ACCOUNT))
        names = sorted({deal.account for deal in mine} - {KEPT_ACCOUNT})
        path, checklist, items = handover_checklist(self.repo.files, LEAVING, SUCCESSOR, day, names)
        for deal_id in items:
            deal = self.deals[deal_id]
            deal.owner, deal.hold = SUCCESSOR, "" if deal.hold == "leaving" else deal.hold
        changes = {self.deals[deal_id].path: self.deals[deal_id].text() for deal_id in items}
        message = (
            "Hand 刘洋's customers over to 王丽\n\n`funnel handover liu-yang wang-li --apply` for "
            f"every customer but {KEPT_ACCOUNT}: 刘洋 closes that order himself before he leaves.\n"
        )
        commit = self.direct(
            "zhang-wei", self.at(day, 9, 30), message, {**changes, path: checklist}
        )
        ticks: dict[str, tuple[str, date]] = {}
        self.planted.handover = (LEAVING, SUCCESSOR, day, commit, path, ticks, kept)
        for method, offset in (("visit", 3), ("phone", 8), ("later", 11)):
            due = [deal_id for deal_id, how in items.items() if how == method]
            when = day + timedelta(offset)
            if due and when <= self.as_of:
                ticks.update({deal_id: (method, when) for deal_id in due})
                self.schedule(self.at(when, 14, 30), partial(self.tick, path, when, method, due))

    def tick(self, path: str, day: date, method: str, due: list[str]) -> None:
        """The successor ticks off the handover items done by visit, call or introduction, in one
        merged pull request."""
        text = self.repo.files[path]
        names = {"from_name": people()[LEAVING].name, "to_name": people()[SUCCESSOR].name}
        for deal_id in due:
            said = HANDOVER_NOTES[method].format(contact=self.deals[deal_id].contact, **names)
            old = f"{{deal: {deal_id}, to: {SUCCESSOR}, method: {method}, status: pending}}"
            done = f"status: done, done_on: {day}, note: {scalar(said, flow=True)}"
            text = text.replace(old, old.replace("status: pending", done))
        words = {"visit": "visits", "phone": "calls", "later": "introductions"}[method]
        pull = self.pull(
            SUCCESSOR, f"handover-{words}", f"Handover of 刘洋's customers: {words} done"
        )
        self.push(pull, SUCCESSOR, self.at(day, 14, 30), pull.title, {path: text})
        self.merge(pull, SUCCESSOR, self.at(day, 15, 45), "merge")

    def kept_to_commit(self, day: date) -> None:
        """The deal the leaving rep kept reaches commit before his last day."""
        deal = next(deal for deal in self.deals.values() if deal.hold == "kept")
        deal.stage, deal.moved = "commit", day
        deal.log.append((day, f"Verbal yes from {deal.contact}; the order comes before I leave."))
        title = f"{deal.short.capitalize()}: {deal.title} to commit"
        pull = self.pull(LEAVING, f"{deal.short}-commit", title)
        self.push(pull, LEAVING, self.at(day, 14, 40), title, [deal])
        self.merge(pull, LEAVING, self.at(day, 16, 20), "squash")

    def last_pull(self, day: date) -> None:
        """The successor's pull request that ends the story: a stage move and a slip."""
        stage = next(deal for deal in self.deals.values() if deal.hold == "last-stage")
        slip = next(deal for deal in self.deals.values() if deal.hold == "last-slip")
        before = stage.weighted() + slip.weighted()
        short = stage.short.capitalize()
        pull = self.pull(SUCCESSOR, f"{stage.short}-{stage.kind}", f"{short}: verbal yes")
        stage.stage, stage.moved = "commit", day
        stage.log.append((day, f"Verbal yes from {stage.contact}; contract review next."))
        self.push(
            pull, SUCCESSOR, self.at(day, 14, 0), f"{short}: {stage.title} to commit", [stage]
        )
        slip.expected_close = month_end(slip.expected_close, 1)
        slip.log.append((day, note(self.rng, slip, "slipped")))
        message = f"{slip.short.capitalize()}: decision moves to {slip.expected_close:%B}"
        self.push(pull, SUCCESSOR, self.at(day, 14, 25), message, [slip])
        self.merge(pull, SUCCESSOR, self.at(day, 17, 30), "merge", name="last")
        delta = stage.weighted() + slip.weighted() - before
        self.planted.last = ((stage.id, slip.id), {SUCCESSOR: delta} if delta else {})

    def story(self, root: Path, seed: int, months: int) -> Story:
        """What was planted, once the repository is written (the commits have their shas)."""
        planted = self.planted
        assert planted.head and planted.rule and planted.late and planted.removed
        assert planted.handover and planted.last
        from_id, to_id, day, commit, path, ticks, kept = planted.handover
        account, late_deal, late_owner = planted.late
        open_deals = [deal for deal in self.deals.values() if deal.is_open]
        won = [d for d in self.deals.values() if d.stage == "won" and d.closed_on]
        return Story(
            root=root,
            seed=seed,
            months=months,
            as_of=self.as_of,
            head=planted.head.sha,
            imports=tuple(
                Import(
                    c.sha, c.committer.when.date(), by, territory, names, dict(sorted(n.items()))
                )
                for c, by, territory, names, n in self.imports
            ),
            late=LateEntry(
                account, late_deal, late_owner, self.landing("late-added"), self.landing("late-won")
            ),
            removed=Removal(*planted.removed, self.landing("removed")),
            last_merge=self.landing("last"),
            last_merge_deals=planted.last[0],
            last_merge_weighted=planted.last[1],
            handover=Handover(from_id, to_id, day, commit.sha, path, ticks, kept),
            rule_change=RuleChange(planted.rule[0].sha, *planted.rule[1:]),
            targets=tuple(commit.sha for commit in planted.targets),
            weeks={
                week: WeekFacts(frozenset(changed), weighted, imported)
                for week, (changed, weighted, imported) in sorted(self.weeks.items())
            },
            landings=dict(self.counts),
            open_deals=len(open_deals),
            pipeline=sum((deal.amount for deal in open_deals), ZERO),
            weighted=sum((deal.weighted() for deal in open_deals), ZERO),
            won_this_year=sum(
                (d.amount for d in won if d.closed_on and d.closed_on.year == self.as_of.year),
                ZERO,
            ),
            deals=len(self.deals),
            accounts=len(self.accounts),
        )
