"""The GitHub workflows and pre-commit hooks: they parse, and every command they run works
on the sample repository."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def funnel_commands() -> list[tuple[str, list[str]]]:
    """Every `funnel ...` command line of every workflow step, with the workflow's name."""
    found = []
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                for line in step.get("run", "").splitlines():
                    line = line.split(" > ")[0].strip()
                    if line.startswith("funnel "):
                        found.append((path.name, shlex.split(line)[1:]))
    return found


def test_workflows_parse_and_pin_their_actions():
    assert {p.name for p in WORKFLOWS} == {"pull-request.yml", "publish.yml"}
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["concurrency"]["group"], path
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w.-]+)?@v\d+\.\d+\.\d+", step["uses"])
                if step.get("uses", "").startswith("actions/checkout"):
                    assert step["with"]["fetch-depth"] == 0, path


def test_funnel_s_caches_are_saved_by_the_publishing_run_alone_and_read_by_pull_requests():
    """The caches live in `.git/funnel/` (never the working tree, so never in the site), are
    restored before funnel first runs, and only the publish workflow on main saves them: a
    pull request's run (its own code, maybe a stranger's) never writes what main reads."""
    for name, action in (("publish.yml", "actions/cache@"), ("pull-request.yml", "restore@")):
        workflow = load(ROOT / ".github" / "workflows" / name)
        steps = next(job["steps"] for job in workflow["jobs"].values() if "steps" in job)
        cached = [i for i, step in enumerate(steps) if "actions/cache" in step.get("uses", "")]
        assert len(cached) == 1, name
        step = steps[cached[0]]
        assert action in step["uses"], name
        assert step["with"]["path"].split() == [".git/funnel", "!.git/funnel/site-spare"]
        assert step["with"]["restore-keys"].splitlines()[-1] == "funnel-"  # any, at last
        assert step["with"]["key"].startswith("funnel-")
        first_run = next(i for i, one in enumerate(steps) if "funnel " in one.get("run", ""))
        assert cached[0] < first_run, name
    on = load(ROOT / ".github" / "workflows" / "publish.yml")
    trigger = on.get("on", on.get(True))
    assert trigger["push"]["branches"] == ["main"] and "pull_request" not in trigger
    # every page is as of a day: the publishing run's cache is that day's first, then any
    steps = on["jobs"]["build"]["steps"]
    (cache,) = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    day = "${{ steps.day.outputs.day }}"
    assert cache["with"]["key"] == f"funnel-{day}-${{{{ github.sha }}}}"
    assert cache["with"]["restore-keys"].splitlines() == [f"funnel-{day}-", "funnel-"]
    (dated,) = [step for step in steps if step.get("id") == "day"]
    assert dated["run"] == 'echo "day=$(date -u +%F)" >> "$GITHUB_OUTPUT"'
    assert steps.index(dated) < steps.index(cache)


def test_publish_builds_and_uploads_the_site():
    steps = load(ROOT / ".github" / "workflows" / "publish.yml")["jobs"]["build"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)


@pytest.fixture(scope="module")
def sample_clone(tmp_path_factory) -> Path:
    """A clone of this repository, as a workflow's checkout would have it."""
    clone = tmp_path_factory.mktemp("workflow") / "repo"
    subprocess.run(["git", "clone", "-q", "--no-local", str(ROOT), str(clone)], check=True)
    return clone


@pytest.mark.parametrize(
    ("workflow", "args"), funnel_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_every_workflow_command_works_on_the_sample_repository(
    sample_clone, monkeypatch, workflow, args
):
    branch = subprocess.run(
        ["git", "-C", str(sample_clone), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    args = [arg.replace("${{ github.base_ref }}", branch) for arg in args]
    assert args[0] in main.commands, f"{workflow}: no command `funnel {args[0]}`"
    monkeypatch.chdir(sample_clone)
    result = CliRunner().invoke(
        main, [*args, "--as-of", "2026-11-26"] if args[0] in ("check", "build") else args
    )
    assert result.exit_code == 0, f"{workflow}: funnel {' '.join(args)}\n{result.output}"


def test_pre_commit_hooks_name_working_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["funnel-check", "funnel-schema"]
    for hook in hooks:
        args = shlex.split(hook["entry"])
        assert args[0] == "funnel" and args[1] in main.commands
        assert hook["pass_filenames"] is False
    own = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook["entry"] for repo in own["repos"] for hook in repo["hooks"]]
    assert ".venv/bin/funnel check --data data" in entries


def test_ci_fails_on_a_shallow_checkout_it_cannot_deepen(tmp_path):
    """A shallow checkout would drop the history tests; when the history cannot be fetched,
    the run fails before any test instead of passing with fewer."""
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{ROOT}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "remove", "origin"], check=True)
    (clone / ".ci" / "run").write_bytes((ROOT / ".ci" / "run").read_bytes())
    result = subprocess.run(
        ["bash", str(clone / ".ci" / "run")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "pytest" not in result.stdout + result.stderr


def test_the_browser_setup_does_nothing_outside_ci(monkeypatch):
    monkeypatch.setenv("CI", "")
    result = subprocess.run(
        [str(ROOT / ".ci" / "setup-browser")], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_every_pull_request_is_judged_by_the_bases_code():
    """The access rules run in a job of their own that installs funnel from the base branch
    and runs nothing of the pull request's: in the job that runs the pull request's own
    funnel (check, diff), a step could change what a later step runs."""
    workflow = load(ROOT / ".github" / "workflows" / "pull-request.yml")
    trigger = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert trigger["pull_request"] is None or "paths" not in trigger["pull_request"]
    jobs = workflow["jobs"]
    runs = {name: [step.get("run", "") for step in job["steps"]] for name, job in jobs.items()}
    (judging,) = [name for name, lines in runs.items() if any("funnel policy" in r for r in lines)]
    assert not any(
        "funnel policy" in r for name, lines in runs.items() if name != judging for r in lines
    )
    steps = jobs[judging]["steps"]
    names = [step.get("name", "") for step in steps]
    base = next(i for i, name in enumerate(names) if name.startswith("Install the base"))
    rules = names.index("Access rules")
    assert base < rules
    installs = [line.strip() for line in steps[base]["run"].splitlines() if "pip" in line]
    assert installs and all(line.startswith("python -I -m pip install") for line in installs)
    assert all('"$RUNNER_TEMP/base' in line for line in installs)  # the base's lock and code
    for index, step in enumerate(steps):
        if index in (base, rules) or "uses" in step:
            continue
        raise AssertionError(f"a step of the pull request's own in the access rules: {step}")
    assert "needs" not in jobs[judging]  # judged whatever the other job's steps do
