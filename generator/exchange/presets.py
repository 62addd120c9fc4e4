"""What a mapping is: the model of a mapping file (which columns of a CRM's CSV give which
field of the data), the checks of its field names, and the built-in mappings of the CRMs
funnel reads as they export them: Salesforce (the opportunity export folder), HubSpot's deals
export and Pipedrive's deals export. A mapping file given with a preset overrides it key by
key (`columns:`, `stages:`, `defaults:`... one entry at a time).

A preset's columns are lists where the CRM has named a column differently over the years; a
preset's column that the file does not have is skipped. Stages go to the team's stage
nearest in probability (`probabilities:`), closed ones to `won`/`lost`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ..data.load import ValidDataset

FIELDS = (
    "id", "crm_id", "account", "account_id", "account_crm_id", "territory", "industry",
    "address", "contact", "contact_title", "phone", "email", "owner", "owner_territory",
    "title", "amount", "expected_close", "stage", "status", "closed_on", "source", "created",
    "products", "next_step", "lost_reason",
)  # fmt: skip
DATES = ("expected_close", "created", "closed_on")
OWNER_COLUMNS = ("name", "email", "territory")
EDITED_AFTER_IMPORT = ("owner", "log", "next_step", "contact")
OWNER_TERRITORY = "owner"
"""The mapping's `territory:` that puts an account in its owner's territory."""


class PriceList(BaseModel):
    """Amounts from a price list when a row has none: `{file, key, value}`, matched on the
    row's product (ignoring case, spaces and punctuation)."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    value: str


class AccountsFile(BaseModel):
    """An accounts CSV joined on `key` (matched against the deals' account column)."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    columns: dict[str, str | list[str]] = Field(default_factory=dict)


class OwnersFile(BaseModel):
    """A people CSV for owners, joined on `key` (the deals' owner column): `name` required,
    `email` and `territory` optional."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    columns: dict[str, str] = Field(default_factory=dict)


class Mapping(BaseModel):
    """How the columns of a CSV become the fields of the data: a mapping file (see the
    README), a preset, or a preset with a mapping file over it."""

    model_config = ConfigDict(extra="forbid")

    deals: str | None = Field(None, description="The CSV file, relative to the mapping file.")
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="funnel field: column, or several columns (the first non-empty wins).",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="funnel field: the value when its columns are empty."
    )
    prices: PriceList | None = None
    accounts: AccountsFile | None = None
    owners_file: OwnersFile | None = None
    update: list[str] = Field(
        default_factory=list,
        description="Fields the team edits after the import (owner, log, next_step, contact) "
        "that a re-import overwrites all the same.",
    )
    stages: dict[str, str] = Field(default_factory=dict)
    probabilities: dict[str, int] = Field(
        default_factory=dict,
        description="CRM stage: its probability (percent), for the team's stage nearest to it.",
    )
    owners: dict[str, str] = Field(default_factory=dict)
    territories: dict[str, str] = Field(default_factory=dict)
    territory: str | None = Field(
        None,
        description="The territory of new accounts: a territory id, or `owner` (the owner's "
        "territory; the majority of its deals' owners when they differ).",
    )
    date_format: str | None = None
    decimal_comma: bool = False
    default_contact: str | None = None
    folder: str = ""
    encoding: str = "utf-8-sig"
    delimiter: str = ","


def mapping_problems(mapping: Mapping) -> list[str]:
    """What a mapping names that funnel does not know: fields, owner columns, dates."""
    problems = []

    def unknown(where: str, names: Iterable[str], known: tuple[str, ...]) -> None:
        found = sorted(set(names) - set(known))
        if found:
            problems.append(
                f"unknown field(s) under {where}: {', '.join(found)} (fields: {', '.join(known)})"
            )

    unknown("columns", mapping.columns, FIELDS)
    unknown("defaults", mapping.defaults, FIELDS)
    unknown("update", mapping.update, (*FIELDS, "log"))
    if mapping.accounts:
        unknown("accounts.columns", mapping.accounts.columns, FIELDS)
    if mapping.owners_file:
        unknown("owners_file.columns", mapping.owners_file.columns, OWNER_COLUMNS)
        if "name" not in mapping.owners_file.columns:
            problems.append("owners_file.columns: give `name:` (the column of the person's name)")
    for name in DATES:
        value = mapping.defaults.get(name)
        try:
            if value is not None:
                date.fromisoformat(value)
        except ValueError:
            problems.append(f"defaults.{name}: `{value}` is not a date: write it as 2027-03-31")
    return problems


def preset_data(name: str) -> dict[str, object]:
    """The built-in mapping of a CRM, as the data of a mapping file (a copy to change)."""
    return copy.deepcopy(PRESET_MAPPINGS[name])


def merged(preset: dict[str, object], mapping: dict[str, object]) -> dict[str, object]:
    """A preset with a mapping file over it: key by key, and entry by entry inside
    `columns:`, `defaults:`, `stages:`, `probabilities:`, `owners:` and `territories:`."""
    result = dict(preset)
    for key, value in mapping.items():
        base = result.get(key)
        if key in MERGED_ENTRIES and isinstance(base, dict) and isinstance(value, dict):
            result[key] = {**base, **value}
        else:
            result[key] = value
    return result


MERGED_ENTRIES = ("columns", "defaults", "stages", "probabilities", "owners", "territories")


# Salesforce's standard stages and their default probabilities (percent).
SALESFORCE_STAGES = {
    "prospecting": 10, "qualification": 10, "discovery": 20, "needs analysis": 20,
    "value proposition": 50, "id. decision makers": 60, "perception analysis": 70,
    "proposal/price quote": 75, "proposal/quote": 75, "negotiation/review": 90,
    "negotiation": 90,
}  # fmt: skip
CLOSED = {
    "closed won": "won", "closed lost": "lost", "won": "won", "lost": "lost",
    "closedwon": "won", "closedlost": "lost",
}  # fmt: skip

# Opportunity.csv's columns; the account, contact and address come from Account.csv and
# Contact.csv, the owners from User.csv when the folder has it.
SALESFORCE: dict[str, object] = {
    "deals": "Opportunity.csv",
    "columns": {
        "crm_id": "Id", "id": "Name", "title": "Name", "account_crm_id": "AccountId",
        "owner": "OwnerId", "amount": "Amount", "expected_close": "CloseDate",
        "stage": "StageName", "source": "LeadSource", "created": "CreatedDate",
        "products": "Product__c", "next_step": "NextStep",
    },
    "owners_file": {"file": "User.csv", "key": "Id", "columns": {"name": "Name", "email": "Email"}},
    "probabilities": SALESFORCE_STAGES,
}  # fmt: skip

# HubSpot's deals export (CRM > Deals > Export, with the associated records): one row per deal.
HUBSPOT: dict[str, object] = {
    "columns": {
        "crm_id": ["Record ID", "Deal ID"],
        "title": "Deal Name",
        "account": ["Associated Company", "Associated Company (Primary)", "Company name"],
        "account_crm_id": ["Associated Company IDs", "Associated Company IDs (Primary)"],
        "contact": ["Associated Contact", "Associated Contact (Primary)"],
        "owner": "Deal owner",
        "amount": "Amount",
        "expected_close": "Close Date",
        "stage": "Deal Stage",
        "created": "Create Date",
        "source": "Original Source Type",
        "next_step": "Next step",
        "lost_reason": "Closed Lost Reason",
    },
    # The default "Sales Pipeline" and its default deal probabilities.
    "probabilities": {
        "appointment scheduled": 20, "appointmentscheduled": 20,
        "qualified to buy": 40, "qualifiedtobuy": 40,
        "presentation scheduled": 60, "presentationscheduled": 60,
        "decision maker bought-in": 80, "decisionmakerboughtin": 80,
        "contract sent": 90, "contractsent": 90,
    },
}  # fmt: skip

# Pipedrive's deals export (Deals > list view > Export): columns named `Deal - ...`, with the
# organization's and person's fields the view shows. Won and lost deals keep their last
# stage: `Deal - Status` says they closed.
PIPEDRIVE: dict[str, object] = {
    "columns": {
        "crm_id": "Deal - ID",
        "title": "Deal - Title",
        "amount": "Deal - Value",
        "account": ["Deal - Organization", "Organization - Name"],
        "account_crm_id": "Organization - ID",
        "address": "Organization - Address",
        "contact": ["Deal - Contact person", "Person - Name"],
        "email": "Person - Email",
        "phone": "Person - Phone",
        "owner": "Deal - Owner",
        "stage": "Deal - Stage",
        "status": "Deal - Status",
        "expected_close": "Deal - Expected close date",
        "created": ["Deal - Deal created", "Deal - Add time"],
        "closed_on": ["Deal - Won time", "Deal - Lost time", "Deal - Close time"],
        "lost_reason": "Deal - Lost reason",
        "source": ["Deal - Source channel", "Deal - Source origin"],
    },
    # The stages of Pipedrive's default pipeline, the current ones and the earlier ones.
    "probabilities": {
        "lead in": 10, "qualified": 10, "contact made": 20, "needs defined": 40,
        "demo scheduled": 40, "proposal made": 60, "negotiations started": 80,
    },
}  # fmt: skip

PRESET_MAPPINGS: dict[str, dict[str, object]] = {
    "salesforce": SALESFORCE,
    "hubspot": HUBSPOT,
    "pipedrive": PIPEDRIVE,
}


class SalesforceAccounts:
    """The account, contact and address of an opportunity, from the records of Account.csv
    and Contact.csv (the account's first contact, else its main line) by its AccountId."""

    def __init__(
        self, accounts: Iterable[dict[str, str]], contacts: Iterable[dict[str, str]]
    ) -> None:
        self.accounts = {record.get("Id", ""): record for record in accounts}
        self.contacts: dict[str, dict[str, str]] = {}
        for record in contacts:
            self.contacts.setdefault(record.get("AccountId", ""), record)

    def fill(self, values: dict[str, str], sources: dict[str, str]) -> None:
        """The row's account fields and contact, where the mapping gave none."""
        account = self.accounts.get(values.get("account_crm_id", ""), {})
        contact = self.contacts.get(values.get("account_crm_id", ""))
        billing = (account.get(f"Billing{k}", "") for k in ("Street", "City", "State", "Country"))
        found = {
            "account": (account.get("Name", ""), "Account.csv column Name"),
            "industry": (account.get("Industry", ""), "Account.csv column Industry"),
            "address": (", ".join(p for p in billing if p), "Account.csv billing address"),
        }
        if contact:
            phone = "Phone" if contact.get("Phone") else "MobilePhone"
            found |= {
                "contact": (contact.get("Name", ""), "Contact.csv column Name"),
                "contact_title": (contact.get("Title", ""), "Contact.csv column Title"),
                "phone": (contact.get(phone, ""), f"Contact.csv column {phone}"),
                "email": (contact.get("Email", ""), "Contact.csv column Email"),
            }
        else:
            found |= {
                "contact": ("Main line", "Account.csv main line"),
                "phone": (account.get("Phone", ""), "Account.csv column Phone"),
            }
        for name, (text, source) in found.items():
            if text.strip() and not values.get(name):
                values[name], sources[name] = text.strip(), source


class CrmNames:
    """The CRM's names (stages, owners, territories) to the ids of the data."""

    def __init__(self, dataset: ValidDataset, mapping: Mapping) -> None:
        self.funnel = dataset.funnel
        self.mapping = mapping
        self.people: dict[str, str] = {}
        for person in dataset.team.people:
            for key in (person.id, person.name, person.email):
                if key:
                    self.people[key.casefold()] = person.id
        self.left = {p.id for p in dataset.team.people if p.status == "left"}
        self.territories: dict[str, str] = {}
        for territory in dataset.team.territories:
            self.territories[territory.id.casefold()] = territory.id
            self.territories[territory.name.casefold()] = territory.id
        self.probabilities = {
            name.casefold(): percent
            for name, percent in {**SALESFORCE_STAGES, **mapping.probabilities}.items()
        }

    def stage(self, name: str) -> str | None:
        """The stage id: mapped, closed, the team's own, or, for a stage with a probability
        (Salesforce's, a preset's, `probabilities:`), the team's stage nearest to it; None
        when it has no mapping."""
        key = name.strip().casefold()
        for known, stage in self.mapping.stages.items():
            if known.casefold() == key:
                return stage
        if key in CLOSED:
            return CLOSED[key]
        if self.funnel.stage(key) is not None:
            return key
        if key in self.probabilities:
            target = self.probabilities[key]
            return min(self.funnel.stages, key=lambda s: abs(s.probability - target)).id
        return None

    def owner(self, name: str) -> str | None:
        """The person id: mapped, or a person's id, name or email in team.yaml."""
        mapped = {k.casefold(): v for k, v in self.mapping.owners.items()}
        return mapped.get(name.strip().casefold()) or self.people.get(name.strip().casefold())

    def territory(self, name: str | None) -> str | None:
        """The territory id: mapped, or a territory's id or name; no name: the default (None
        for `territory: owner`, which is no territory of its own)."""
        if not name:
            default = self.mapping.territory
            return None if default == OWNER_TERRITORY else default
        mapped = {k.casefold(): v for k, v in self.mapping.territories.items()}
        key = name.strip().casefold()
        return mapped.get(key) or self.territories.get(key)
