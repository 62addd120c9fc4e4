"""The accounts of an import: found in the data by their CRM id (else by name), or new.

A new account gathers its rows' contacts and goes to the territory most of its deals name (a
tie: the territory listed first in team.yaml). A known account gets the export's name, industry,
address, territory column and CRM id where they differ, and the contacts its new deals name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..data.load import ValidDataset
from ..data.model import Account
from ..data.values import slug
from .import_report import KindReport, TerritorySplit
from .import_rows import ImportRow
from .new_deal import yaml_text
from .reimport import append_items, edit_fields

ACCOUNT_ORDER = ("name", "territory", "industry", "address", "notes", "contacts", "crm_id")
CONTACT_FIELDS = ("name", "title", "phone", "email")


def unique(base: str, taken: set[str]) -> str:
    """`base`, or the first of `base-2`, `base-3`, ... not taken yet (then taken)."""
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _contact(row: ImportRow) -> dict[str, str | None]:
    values = row.values
    return {
        "name": row.contact,
        "title": values.get("contact_title") or None,
        "phone": values.get("phone") or None,
        "email": values.get("email") or None,
    }


class ImportAccounts:
    """The accounts the rows name: new ones (`new`), and the changes to known ones."""

    def __init__(self, dataset: ValidDataset, new: dict[str, dict[str, Any]]) -> None:
        self.dataset = dataset
        self.new = new
        self.by_crm = {a.crm_id: a.id for a in dataset.accounts.values() if a.crm_id}
        self.by_name = {a.name.casefold(): a.id for a in dataset.accounts.values()}
        self.taken = set(dataset.accounts) | dataset.invalid
        self.keys: dict[str, str] = {}
        self.claimed: dict[str, str] = {}
        self.votes: dict[str, dict[str, int]] = {}
        self.known: dict[str, dict[str, str]] = {}
        self.contacts: dict[str, list[dict[str, str | None]]] = {}
        self.crm_ids: set[str] = set()

    def add(self, row: ImportRow, with_contact: bool) -> str:
        """The row's account id (a new account for a new CRM id or name); its deal's territory
        counts for a new account, and its contact is added when the deal needs it."""
        account_id = self._find(row)
        votes = self.votes.setdefault(account_id, {})
        votes[row.territory] = votes.get(row.territory, 0) + 1
        contacts = self.new[account_id]["contacts"] if account_id in self.new else None
        if contacts is not None:
            with_contact = True  # a new account needs its deals' contacts
        else:
            self._known_values(self.dataset.accounts[account_id], row)
            contacts = self.contacts.setdefault(account_id, [])
            if self.dataset.accounts[account_id].contact(row.contact) is not None:
                with_contact = False
        if with_contact and all(c["name"] != row.contact for c in contacts):
            contacts.append(_contact(row))
        return account_id

    def _find(self, row: ImportRow) -> str:
        """The account of the row: by its CRM id, else by name (unless that account is another
        CRM id's), else a new one."""
        crm, name = row.account_crm_id, row.values["account"].strip()
        if crm:
            self.crm_ids.add(crm)
        key = f"crm {crm}" if crm else f"name {name.casefold()}"
        if key in self.keys:
            return self.keys[key]
        found = self.by_crm.get(crm) if crm else None
        candidate = self.by_name.get(name.casefold())
        if found is None and candidate is not None and candidate not in self.new:
            owner = self.dataset.accounts[candidate].crm_id or self.claimed.get(candidate)
            if not crm or owner in (None, crm):
                found = candidate
        if found is None:
            base = slug(row.values.get("account_id") or name)
            found = unique(base, self.taken)
            self.new[found] = {
                "name": name,
                "industry": row.values.get("industry") or None,
                "address": row.values.get("address") or None,
                "contacts": [],
                "crm_id": crm,
            }
            self.by_name.setdefault(name.casefold(), found)
        if crm:
            self.claimed.setdefault(found, crm)
        self.keys[key] = found
        return found

    def _known_values(self, account: Account, row: ImportRow) -> None:
        """The export's values of a known account (its first row's), where they differ."""
        if account.id in self.known:
            return
        values = row.values
        wanted = {
            "name": values["account"].strip(),
            "industry": values.get("industry") or None,
            "address": values.get("address") or None,
            "territory": row.territory if row.territory_given else None,
            "crm_id": row.account_crm_id,
        }
        self.known[account.id] = {
            key: value
            for key, value in wanted.items()
            if value is not None and value != getattr(account, key)
        }

    def finish(self, report: KindReport, splits: list[TerritorySplit]) -> dict[Path, str]:
        """Territories of the new accounts (splits listed), the report, and the new text of
        each known account that changed."""
        order = [t.id for t in self.dataset.team.territories]
        for account_id, account in self.new.items():
            votes = self.votes[account_id]
            ranked = sorted(votes, key=lambda t: (-votes[t], order.index(t) if t in order else 0))
            account["territory"] = ranked[0]
            if len(ranked) > 1:
                splits.append(TerritorySplit(account_id, ranked[0], {t: votes[t] for t in ranked}))
            report.added.append(account_id)
        updates = {}
        for account_id in self.votes:
            if account_id in self.new:
                continue
            known = self.dataset.accounts[account_id]
            changes, contacts = self.known[account_id], self.contacts.get(account_id, [])
            if not changes and not contacts:
                report.unchanged.append(account_id)
                continue
            path = self.dataset.files[known.path]
            text = edit_fields(
                path.read_bytes().decode("utf-8"),
                {key: _yaml(key, value) for key, value in changes.items()},
                ACCOUNT_ORDER,
            )
            updates[path] = append_items(text, "contacts", [_flow(c) for c in contacts])
            report.updated[account_id] = list(changes) + (["contacts"] if contacts else [])
        if self.crm_ids:
            report.missing = sorted(
                a.id
                for a in self.dataset.accounts.values()
                if a.crm_id and a.crm_id not in self.crm_ids
            )
        return updates


def _yaml(key: str, value: str) -> str:
    return value if key == "territory" else yaml_text(value)


def _flow(contact: dict[str, str | None]) -> str:
    """A contact as the one-line mapping of an account file."""
    fields = ", ".join(
        f"{key}: {yaml_text(value)}" for key in CONTACT_FIELDS if (value := contact.get(key))
    )
    return f"{{{fields}}}"


def account_text(account: dict[str, Any]) -> str:
    """The account file the import writes for a customer, with the schema line."""
    lines = [
        "# yaml-language-server: $schema=../../schemas/account.schema.json\n",
        f"name: {yaml_text(account['name'])}\n",
        f"territory: {account['territory']}\n",
    ]
    for key in ("industry", "address"):
        if account.get(key):
            lines.append(f"{key}: {yaml_text(account[key])}\n")
    lines.append("contacts:\n")
    lines.extend(f"  - {_flow(contact)}\n" for contact in account["contacts"])
    if account.get("crm_id"):
        lines.append(f"crm_id: {yaml_text(account['crm_id'])}\n")
    return "".join(lines)
