"""The installed `funnel` command ends its process at once when the command is done: with the
status, output and exit functions Python's own ending gives."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def funnel(*arguments: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`run` as the installed command calls it, in a process of its own."""
    program = f"import sys\n{before}\nfrom generator.cli.main import run\nrun()"
    return subprocess.run(
        [sys.executable, "-c", program, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def test_the_status_and_output_are_the_commands():
    done = funnel("--version")
    assert (done.returncode, done.stdout.strip()) == (0, "funnel, version 0.1.0")
    assert funnel("no-such-command").returncode == 2
    assert "No such command" in funnel("no-such-command").stderr


def test_a_failed_check_prints_all_its_problems_and_exits_1(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "deals" / "east" / "broken.yaml").write_text("title: [\n", encoding="utf-8")
    done = funnel("check", "--data", str(data), "--as-of", "2026-11-26", "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)  # the whole of it, flushed
    assert (
        report["errors"] == 1 and len(report["problems"]) == report["errors"] + report["warnings"]
    )
    assert any(problem["path"].endswith("broken.yaml") for problem in report["problems"])


def test_the_exit_functions_run_and_a_text_status_is_printed():
    bye = "import atexit\natexit.register(lambda: print('exit functions ran', flush=True))"
    done = funnel("--version", before=bye)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["funnel, version 0.1.0", "exit functions ran"]
    to_text = "import generator.cli.main as m\nm.main = lambda: sys.exit('stopped: no data')"
    done = funnel(before=to_text)
    assert (done.returncode, done.stderr) == (1, "stopped: no data\n")
    to_none = "import generator.cli.main as m\nm.main = lambda: sys.exit(None)"
    assert funnel(before=to_none).returncode == 0


def test_a_reader_gone_leaves_no_traceback():
    program = "import sys\nfrom generator.cli.main import run\nrun()"
    command = [sys.executable, "-c", program, "check", "--as-of", "2026-11-26"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        assert p.stdout is not None and p.stderr is not None
        p.stdout.read(10)
        p.stdout.close()  # `funnel check | head -c 10`
        errors = p.stderr.read().decode()
        p.wait(timeout=120)
    assert "Traceback" not in errors and "Exception ignored" not in errors
