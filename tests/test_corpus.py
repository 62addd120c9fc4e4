"""The corpus of broken data: one folder per rule under tests/corpus/, one golden listing each.

Every case is the valid fixture plus the case's own files (see conftest.build_case). The
check runs on it as `funnel check --as-of 2026-11-26 --data <case>`; its whole stdout, with
the case folder shown as `<data>`, must equal tests/golden/corpus/<case>.txt, and each
problem the case's case.toml declares must be there at its file, line and severity.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.cli.main import main

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
AS_OF = "2026-11-26"
LINE = re.compile(
    r"(?P<path><data>/.+?):(?P<line>[0-9]+):(?P<column>[0-9]+): "
    r"(?P<severity>error|warning): (?P<message>\S.*)"
)


def _meta(name: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / name / "case.toml").read_text(encoding="utf-8"))


CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "case.toml").is_file())
META = {name: _meta(name) for name in CASES}


def _params(names: list[str]) -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=META[name]["xfail"], strict=True))
        if "xfail" in META[name]
        else name
        for name in names
    ]


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO opened for reading would block)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - POSIX only
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"funnel check did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def invoke(data: Path, *extra: str) -> Result:
    """Run `funnel check` in-process; stdout and stderr are kept apart."""
    with _deadline(60):
        result = CliRunner().invoke(
            main, ["check", "--as-of", AS_OF, "--data", str(data), *extra], catch_exceptions=True
        )
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"funnel check crashed: {result.exception!r}") from result.exception
    return result


def funnel_command() -> list[str]:
    """The installed console script next to this Python, or the same entry point via -c."""
    script = Path(sys.executable).with_name("funnel")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from generator.cli.main import main; main()"]  # pragma: no cover


def show(text: str, data: Path) -> str:
    """The output with the case folder replaced by a stable placeholder."""
    return text.replace(str(data), "<data>")


def parse_lines(text: str) -> list[dict[str, Any]]:
    problems = []
    for line in text.splitlines():
        match = LINE.fullmatch(line)
        assert match, f"not a `path:line:col: severity: message` line: {line!r}"
        problem = match.groupdict()
        problem["line"] = int(problem["line"])
        problem["column"] = int(problem["column"])
        problem["path"] = problem["path"].removeprefix("<data>/")
        problems.append(problem)
    return problems


def check_declared(name: str, problems: list[dict[str, Any]]) -> None:
    """Each problem of case.toml is reported at its file, line and severity, and no other."""
    declared = META[name]["problems"]
    listing = "\n".join(
        f"{p['path']}:{p['line']}: {p['severity']}: {p['message']}" for p in problems
    )
    for want in declared:
        found = [
            p
            for p in problems
            if p["path"] == want["path"]
            and p["line"] == want["line"]
            and p["severity"] == want["severity"]
            and want["says"] in p["message"]
        ]
        assert found, f"{name}: expected {want} among:\n{listing}"
    assert len(problems) == len(declared), f"{name}: unexpected problems:\n{listing}"


def expected_exit(name: str, *, strict: bool = False) -> int:
    expect = META[name]["expect"]
    return 1 if expect == "error" or (strict and expect == "warning") else 0


def test_corpus_is_complete() -> None:
    """Every case declares what it expects; the corpus has the warning and valid kinds too."""
    kinds = {META[name]["expect"] for name in CASES}
    assert kinds == {"error", "warning", "ok"}
    for name in CASES:
        meta = META[name]
        assert meta["about"]
        assert (meta["expect"] == "ok") == (not meta["problems"]), name
        for problem in meta["problems"]:
            assert problem["severity"] in ("error", "warning")
            assert problem["line"] > 0
            if meta["expect"] == "warning":
                assert problem["severity"] == "warning", name


@pytest.mark.parametrize("name", _params(CASES))
def test_case(name: str, corpus_case, golden) -> None:
    data = corpus_case(name)
    result = invoke(data)
    output = show(result.stdout, data)
    problems = parse_lines(output)
    errors = [p for p in problems if p["severity"] == "error"]
    expect = META[name]["expect"]
    if expect == "error":
        assert errors, "expected at least one error"
    elif expect == "warning":
        assert problems and not errors, "expected warnings only"
    else:
        assert not problems, "expected no problem at all"
    for error in errors:
        assert error["line"] > 0 and error["column"] > 0
    check_declared(name, problems)
    assert result.exit_code == expected_exit(name), result.output
    # the summary goes to stderr, never into the listing
    assert ("ok: " if expect == "ok" else "error(s)") in result.stderr
    if "xfail" not in META[name]:
        golden(f"corpus/{name}.txt", output)


@pytest.mark.parametrize(
    "name", _params([name for name in CASES if META[name]["expect"] != "error"])
)
def test_strict_fails_on_warnings(name: str, corpus_case) -> None:
    data = corpus_case(name)
    plain = invoke(data)
    strict = invoke(data, "--strict")
    assert strict.exit_code == expected_exit(name, strict=True)
    assert plain.exit_code == 0
    assert strict.stdout == plain.stdout


def test_same_output_every_run(corpus_case) -> None:
    data = corpus_case("merge-conflict")
    assert invoke(data).stdout == invoke(data).stdout


@pytest.mark.parametrize(
    "name", ["duplicate-key", "fifo", "symlink", "tag-python", "chinese-valid", "owner-leaving"]
)
def test_real_process(name: str, corpus_case, golden) -> None:
    """The installed command prints exactly what the in-process run prints, and no traceback."""
    data = corpus_case(name)
    env = {**os.environ, "PYTHONIOENCODING": "", "LC_ALL": "C"}
    done = subprocess.run(
        [*funnel_command(), "check", "--as-of", AS_OF, "--data", str(data)],
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    stdout = done.stdout.decode("utf-8")
    stderr = done.stderr.decode("utf-8")
    assert "Traceback" not in stdout + stderr
    assert done.returncode == expected_exit(name)
    golden(f"corpus/{name}.txt", show(stdout, data))


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system", "!!python/object/new:os.system"],
)
def test_tags_execute_nothing(tag: str, valid_data: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    deal = valid_data / "deals" / "south" / "pearl-river-laptops.yaml"
    text = deal.read_text(encoding="utf-8")
    deal.write_text(
        text.replace("title: 120 laptops for the sales force", f'title: {tag} ["touch {marker}"]'),
        encoding="utf-8",
    )
    result = invoke(valid_data)
    assert not marker.exists(), "the tag ran a command"
    assert result.exit_code == 1
    problems = parse_lines(show(result.stdout, valid_data))
    assert {(p["path"], p["line"], p["severity"]) for p in problems} == {
        ("deals/south/pearl-river-laptops.yaml", 4, "error")
    }
    assert any("tags (" in p["message"] for p in problems)


def test_valid_fixture_is_clean(valid_data: Path) -> None:
    result = invoke(valid_data, "--strict")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "ok: 3 deals, 2 accounts" in result.stderr


def test_valid_fixture_never_assumes_25_50_75() -> None:
    text = (TESTS / "fixtures" / "valid" / "funnel.yaml").read_text(encoding="utf-8")
    probabilities = re.findall(r"probability: *([0-9]+)", text)
    assert probabilities and not {"25", "50", "75"} & set(probabilities)
    for default_id in ("qualify", "compare", "commit"):
        assert f"id: {default_id}" not in text


# Bugs found while building the corpus: each test asserts the right behaviour -------------


def test_rules_keep_their_line_with_data_dot(valid_data: Path, monkeypatch) -> None:
    funnel = valid_data / "funnel.yaml"
    funnel.write_text(
        funnel.read_text(encoding="utf-8").replace("id: negotiation", "id: proposal"),
        encoding="utf-8",
    )
    monkeypatch.chdir(valid_data)
    result = CliRunner().invoke(main, ["check", "--as-of", AS_OF, "--data", "."])
    assert result.exit_code == 1
    assert (
        result.stdout == "funnel.yaml:13:9: error: stage id `proposal` is used twice: rename one\n"
    )


def test_unquoted_list_item_hint(corpus_case) -> None:
    data = corpus_case("product-number")
    message = parse_lines(show(invoke(data).stdout, data))[0]["message"]
    assert '"800"' in message
    assert '1: "800"' not in message


def test_unclosed_quote_names_its_line(corpus_case) -> None:
    data = corpus_case("syntax-unclosed-quote")
    [problem] = parse_lines(show(invoke(data).stdout, data))
    assert problem["line"] == 4 or "line 4" in problem["message"], problem


@pytest.mark.parametrize("escape", ["\\a", "\\e", "\\0", "\\x1b"])
def test_escaped_control_characters_are_refused(escape: str, valid_data: Path) -> None:
    deal = valid_data / "deals" / "south" / "pearl-river-laptops.yaml"
    text = deal.read_text(encoding="utf-8")
    deal.write_text(
        text.replace("title: 120 laptops for the sales force", f'title: "120 lap{escape}tops"'),
        encoding="utf-8",
    )
    result = invoke(valid_data)
    assert result.exit_code == 1
    problems = parse_lines(show(result.stdout, valid_data))
    assert [(p["path"], p["line"]) for p in problems] == [
        ("deals/south/pearl-river-laptops.yaml", 4)
    ]


def test_text_output_is_one_problem_per_line(valid_data: Path) -> None:
    deal = valid_data / "deals" / "south" / "pearl-river-laptops.yaml"
    deal.write_text(
        deal.read_text(encoding="utf-8") + '"bad\\nkey": 1\n',
        encoding="utf-8",
    )
    result = invoke(valid_data)
    assert result.exit_code == 1
    problems = parse_lines(show(result.stdout, valid_data))
    assert len(problems) == 1


@pytest.mark.parametrize(
    "relative", ["accounts/south/guangzhou-metro.yaml", "deals/south/pearl-river-servers.YAML"]
)
def test_misplaced_data_files_are_reported(relative: str, valid_data: Path) -> None:
    target = valid_data / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    source = (
        "accounts/chengdu-optics.yaml"
        if relative.startswith("accounts")
        else ("deals/south/pearl-river-laptops.yaml")
    )
    shutil.copyfile(valid_data / source, target)
    result = invoke(valid_data)
    problems = parse_lines(show(result.stdout, valid_data))
    assert [p["path"] for p in problems] == [relative]


def test_duplicate_person_id_is_reported_once(valid_data: Path) -> None:
    team = valid_data / "team.yaml"
    team.write_text(
        team.read_text(encoding="utf-8")
        + "  - id: li-lei\n    name: 黎磊\n    role: rep\n    status: left\n",
        encoding="utf-8",
    )
    result = invoke(valid_data)
    problems = parse_lines(show(result.stdout, valid_data))
    assert [(p["path"], p["line"], p["message"]) for p in problems] == [
        ("team.yaml", 32, "person id `li-lei` is used twice: rename one")
    ]
