"""The set-up promises in README hold: CI runs README's test command, and every script exists."""

from __future__ import annotations

import importlib
import re
import tomllib

from click.testing import CliRunner

from icskg import resources

ROOT = resources.PROJECT_DIR


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.DOTALL)
    return [block.strip() for block in blocks[:2]]


def test_readme_opens_with_serve_then_test_commands():
    serve, test = readme_commands()
    assert serve.endswith("icskg serve")
    assert test.endswith("pytest")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


def test_every_console_script_imports_and_answers_help():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]
    for target in project["scripts"].values():
        module, _, name = target.partition(":")
        command = getattr(importlib.import_module(module), name)
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_the_test_run_shows_pytest_progress():
    """No -q in addopts: each test file shows its dots as it runs (long steps say what they do)."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert not {"-q", "--quiet", "-qq"} & set(options["addopts"].split())


def test_readme_pictures_exist_and_are_small():
    pictures = re.findall(r'src="(docs/screenshots/[\w-]+\.png)"', (ROOT / "README.md").read_text())
    assert len(pictures) >= 4
    for picture in pictures:
        data = (ROOT / picture).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) < 150_000, picture
