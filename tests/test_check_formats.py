"""`funnel check` output formats (text, json, github) and its usage errors (exit code 2)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli.main import main
from generator.data.problems import Problem, format_github

AS_OF = "2026-11-26"
LAPTOPS = Path("deals/south/pearl-river-laptops.yaml")
PRINTERS = Path("deals/south/pearl-river-printers.yaml")
GITHUB = re.compile(
    r"::(?P<severity>error|warning) file=(?P<file>[^,:]*),line=(?P<line>[0-9]+),"
    r"col=(?P<column>[0-9]+)(?:,title=(?P<title>[^,:]*))?::(?P<message>.*)"
)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def broken(valid_data: Path) -> Path:
    """Two errors (an amount with a comma, a Chinese contact name) and one warning."""
    edit(valid_data / LAPTOPS, "amount: 960000.00", 'amount: "960,000"')
    edit(valid_data / PRINTERS, "contact: Peter Wong", "contact: 黄芳")
    edit(valid_data / PRINTERS, "owner: li-lei", "owner: han-mei")
    return valid_data


def unescape_property(text: str) -> str:
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def unescape_data(text: str) -> str:
    for code, char in (("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


# json ----------------------------------------------------------------------------------


def test_json_lists_every_problem(broken: Path) -> None:
    result = run("--as-of", AS_OF, "--data", str(broken), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"errors", "warnings", "problems"}
    assert (document["errors"], document["warnings"]) == (2, 1)
    for problem in document["problems"]:
        assert set(problem) == {"path", "line", "column", "severity", "message"}
        assert isinstance(problem["line"], int) and problem["line"] > 0
        assert isinstance(problem["column"], int) and problem["column"] > 0
        assert problem["severity"] in ("error", "warning")
    found = {
        (Path(p["path"]).relative_to(broken), p["line"], p["severity"])
        for p in document["problems"]
    }
    assert found == {(LAPTOPS, 6, "error"), (PRINTERS, 2, "error"), (PRINTERS, 3, "warning")}
    assert "黄芳" in result.stdout, "Chinese must stay readable, not \\u-escaped"
    assert "error(s)" not in result.stdout, "the summary never goes into the JSON"


def test_json_and_text_report_the_same_problems(broken: Path) -> None:
    text = run("--as-of", AS_OF, "--data", str(broken)).stdout
    document = json.loads(run("--as-of", AS_OF, "--data", str(broken), "--format", "json").stdout)
    lines = [
        f"{p['path']}:{p['line']}:{p['column']}: {p['severity']}: {p['message']}\n"
        for p in document["problems"]
    ]
    assert "".join(lines) == text


def test_json_when_clean(valid_data: Path) -> None:
    result = run("--as-of", AS_OF, "--data", str(valid_data), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"errors": 0, "warnings": 0, "problems": []}


def test_json_strict_fails_on_a_warning(valid_data: Path) -> None:
    edit(valid_data / PRINTERS, "owner: li-lei", "owner: han-mei")
    args = ("--as-of", AS_OF, "--data", str(valid_data), "--format", "json")
    assert run(*args).exit_code == 0
    strict = run(*args, "--strict")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["warnings"] == 1


# the summary ---------------------------------------------------------------------------


def test_the_summary_counts_the_deals_with_errors(valid_data: Path) -> None:
    edit(valid_data / LAPTOPS, "amount: 960000.00", 'amount: "960,000"')
    result = run("--as-of", AS_OF, "--data", str(valid_data))
    assert result.exit_code == 1
    assert "3 deals, 1 with errors" in result.stderr


# github --------------------------------------------------------------------------------


def test_github_annotations(broken: Path) -> None:
    result = run("--as-of", AS_OF, "--data", str(broken), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    found = set()
    for line in lines:
        match = GITHUB.fullmatch(line)
        assert match, f"not a workflow command: {line!r}"
        path = Path(unescape_property(match["file"])).relative_to(broken)
        found.add((path, int(match["line"]), match["severity"]))
    assert found == {(LAPTOPS, 6, "error"), (PRINTERS, 2, "error"), (PRINTERS, 3, "warning")}


def test_github_escapes_what_github_requires(valid_data: Path, tmp_path: Path) -> None:
    """`%`, CR and LF everywhere; `:` and `,` too in properties such as file=."""
    data = Path(shutil.copytree(valid_data, tmp_path / "q4,east:100%" / "data"))
    deal = data / LAPTOPS
    deal.write_text(
        deal.read_text(encoding="utf-8") + '"50%off": 1\n"bad\\r\\nkey": 2\n', encoding="utf-8"
    )
    # stdout_bytes: CliRunner's .stdout turns CR LF into LF
    text = run("--as-of", AS_OF, "--data", str(data)).stdout_bytes.decode()
    document = json.loads(run("--as-of", AS_OF, "--data", str(data), "--format", "json").stdout)
    github = run("--as-of", AS_OF, "--data", str(data), "--format", "github")
    assert github.exit_code == 1
    lines = github.stdout_bytes.decode().split("\n")
    assert lines.pop() == ""
    assert len(lines) == len(document["problems"]) == 2, "one annotation per problem, one line each"
    assert "%off" in text and "bad\\u000d\\u000akey" in text, "control characters escaped"
    for line, problem in zip(lines, document["problems"], strict=True):
        match = GITHUB.fullmatch(line)
        assert match, f"not a workflow command: {line!r}"
        assert "%2C" in match["file"] and "%3A" in match["file"] and "%25" in match["file"]
        assert unescape_property(match["file"]) == problem["path"]
        assert (int(match["line"]), int(match["column"])) == (problem["line"], problem["column"])
        assert "\r" not in match["message"]
        assert unescape_data(match["message"]) == problem["message"]
    messages = " ".join(lines)
    assert "50%25off" in messages
    assert "bad\\u000d\\u000akey" in messages


def test_github_escapes_line_breaks_in_messages() -> None:
    problem = Problem("a,b:c%.yaml", 3, 4, "error", "one\r\ntwo 100%")
    assert format_github([problem]) == (
        "::error file=a%2Cb%3Ac%25.yaml,line=3,col=4,title=funnel check::one%0D%0Atwo 100%25\n"
    )


def test_github_when_clean(valid_data: Path) -> None:
    result = run("--as-of", AS_OF, "--data", str(valid_data), "--format", "github")
    assert result.exit_code == 0
    assert result.stdout == ""


# usage errors --------------------------------------------------------------------------


USAGE_ERRORS = {
    "bad-as-of": (["--as-of", "2026-13-01"], "is not a date"),
    "as-of-words": (["--as-of", "tomorrow"], "is not a date"),
    "missing-data": (["--data", "{tmp}/nowhere"], "no data folder"),
    "data-is-a-file": (["--data", "{tmp}/data/funnel.yaml"], "funnel.yaml"),
    "unknown-format": (["--format", "xml"], "xml"),
    "unknown-option": (["--colour"], "--colour"),
}


def _usage_args(case: str, valid_data: Path) -> tuple[list[str], str]:
    args, says = USAGE_ERRORS[case]
    args = [arg.replace("{tmp}", str(valid_data.parent)) for arg in args]
    if "--data" not in args:
        args += ["--data", str(valid_data)]
    if "--as-of" not in args:
        args += ["--as-of", AS_OF]
    return args, says


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_exit_2(case: str, valid_data: Path) -> None:
    args, says = _usage_args(case, valid_data)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert says in result.stderr
    assert "Usage:" in result.stderr


@pytest.mark.parametrize("case", ["bad-as-of", "missing-data", "unknown-format"])
def test_usage_errors_in_a_real_process(case: str, valid_data: Path) -> None:
    args, says = _usage_args(case, valid_data)
    script = Path(sys.executable).with_name("funnel")
    command = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "from generator.cli.main import main; main()"]
    )
    done = subprocess.run(
        [*command, "check", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert says in done.stderr
