"""`funnel new`: the loader's amount rules, a warning for a past close, no silent `-2` ids."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli.main import main
from generator.data.validate import check

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", folder)
    return folder


def new(data: Path, *extra: str, amount: str = "88000", title: str = "50 monitors") -> Result:
    args = ["new", "--data", str(data), "--as-of", AS_OF, "--account", "pearl-river-foods"]
    args += ["--contact", "Peter Wong", "--owner", "li-lei", "--title", title]
    args += ["--amount", amount, "--folder", "south"]
    if "--expected-close" not in extra:
        args += ["--expected-close", "2027-05-31"]
    return CliRunner().invoke(main, [*args, *extra])


def files(data: Path) -> list[Path]:
    return sorted(data.rglob("*"))


def loader_message(data: Path, amount: str) -> str:
    """What `funnel check` says about this amount typed into a deal file (without `amount`)."""
    deal = data / "deals" / "south" / "pearl-river-printers.yaml"
    original = deal.read_text(encoding="utf-8")
    deal.write_text(original.replace("amount: 85000", f"amount: {amount}"), encoding="utf-8")
    try:
        result = check(data, date.fromisoformat(AS_OF))
    finally:
        deal.write_text(original, encoding="utf-8")
    (problem,) = [p for p in result.problems if p.severity == "error"]
    return problem.message.removeprefix("`amount`: ")


@pytest.mark.parametrize(
    "amount", ["400,00", "1,200,000", "960000.001", "1.200", "1.2e6", "-5", ".nan", "12 000"]
)
def test_new_refuses_an_amount_as_the_loader_does(data: Path, amount: str) -> None:
    before = files(data)
    result = new(data, amount=amount)
    assert result.exit_code == 2, result.output
    message = loader_message(data, amount)
    assert message in result.output, (message, result.output)
    assert files(data) == before


def test_new_amount_messages_say_what_to_write(data: Path) -> None:
    assert "write the cents after a point, not a comma: 400.00" in loader_message(data, "400,00")
    assert "remove the thousands separators" in loader_message(data, "1,200,000")
    assert "at most two decimals" in loader_message(data, "960000.001")
    assert "without an exponent" in loader_message(data, "1.2e6")
    assert "cannot be negative" in loader_message(data, "-5")


def test_new_writes_an_amount_to_the_cent(data: Path) -> None:
    result = new(data, amount="88000.5")
    assert result.exit_code == 0, result.output
    assert "amount: 88000.50\n" in Path(result.stdout.strip()).read_text(encoding="utf-8")


def test_a_past_expected_close_is_a_warning_and_the_file_is_written(data: Path) -> None:
    result = new(data, "--expected-close", "2026-10-31")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.is_file()
    assert "warning: `expected_close` 2026-10-31 has passed" in result.stderr
    assert "expected_close: 2026-10-31\n" in path.read_text(encoding="utf-8")


def test_a_future_expected_close_prints_no_warning(data: Path) -> None:
    result = new(data)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_the_same_title_twice_names_the_deal_and_suggests_a_free_id(data: Path) -> None:
    first = new(data)
    assert first.exit_code == 0, first.output
    assert Path(first.stdout.strip()).name == "pearl-river-foods-50-monitors.yaml"
    before = files(data)
    second = new(data)
    assert second.exit_code == 2, second.output
    assert "pearl-river-foods-50-monitors" in second.output
    assert "exists" in second.output
    assert "use --id pearl-river-foods-50-monitors-2" in second.output
    assert files(data) == before
    third = new(data, "--id", "pearl-river-foods-50-monitors-2")
    assert third.exit_code == 0, third.output
    fourth = new(data)
    assert fourth.exit_code == 2
    assert "use --id pearl-river-foods-50-monitors-3" in fourth.output


def test_an_existing_id_given_with_id_is_refused_too(data: Path) -> None:
    before = files(data)
    result = new(data, "--id", "pearl-river-printers")
    assert result.exit_code == 2, result.output
    assert "pearl-river-printers" in result.output and "exists" in result.output
    assert "use --id pearl-river-printers-2" in result.output
    assert files(data) == before


class Answers:
    """A person at the terminal answering `funnel new`'s questions from a list."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, list[str] | None, str | None]] = []

    def text(self, name: str, choices, default: str | None) -> str:
        self.asked.append((name, list(choices) if choices else None, default))
        return self.answers.pop(0) or default or ""

    def day(self, label: str) -> date:
        self.asked.append((label, None, None))
        return date.fromisoformat(self.answers.pop(0))


def test_a_deal_from_a_terminal_asks_for_what_the_flags_left_out(data: Path) -> None:
    from generator.exchange.new_deal import DealFlags, resolve_new_deal

    dataset = check(data, date.fromisoformat(AS_OF)).dataset
    person = Answers("li-lei", "50 monitors", "88000", "2027-05-31", "")
    flags = DealFlags(account="pearl-river-foods", contact="Peter Wong")
    deal_id, deal = resolve_new_deal(dataset, flags, date.fromisoformat(AS_OF), person)
    assert [name for name, _, _ in person.asked] == [
        "owner", "title", "amount", "expected close (YYYY-MM-DD)", "stage",
    ]  # fmt: skip
    owner_choices = person.asked[0][1]
    assert owner_choices is not None and "zhou-bo" not in owner_choices  # zhou-bo has left
    assert person.asked[-1][2] == deal.stage  # the top of the funnel unless told
    assert deal_id == "pearl-river-foods-50-monitors" and str(deal.amount) == "88000"


def test_without_a_terminal_the_first_missing_or_wrong_flag_names_itself(data: Path) -> None:
    from generator.exchange.errors import OptionError
    from generator.exchange.new_deal import DealFlags, resolve_new_deal

    dataset = check(data, date.fromisoformat(AS_OF)).dataset
    day = date.fromisoformat(AS_OF)
    with pytest.raises(OptionError) as missing:
        resolve_new_deal(dataset, DealFlags(account="pearl-river-foods"), day, None)
    assert (str(missing.value), missing.value.option) == (
        "give --contact (or run it on a terminal)",
        None,
    )
    flags = DealFlags(account="pearl-river-food")
    with pytest.raises(OptionError) as typo:
        resolve_new_deal(dataset, flags, day, None)
    assert typo.value.option == "--account" and "did you mean `pearl-river-foods`?" in str(
        typo.value
    )
