"""A real package: ``pip install .`` (not editable) into a fresh venv, then the commands a user
runs work from a folder that is not the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from icskg import resources
from tests.conftest import free_port

pytestmark = pytest.mark.slow

COUNT_ICBS = "SELECT (COUNT(*) AS ?n) WHERE { ?i a ics:IntegratedCareBoard }"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with icskg installed from a wheel of this checkout; returns its bin folder."""
    work = tmp_path_factory.mktemp("package")
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                    str(resources.PROJECT_DIR)], check=True, cwd=work)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (wheel,) = wheels.glob("icskg-*.whl")
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "icskg"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "ICSKG_DATA_DIR": str(cwd / "var")}, timeout=300)


def test_build_query_validate_and_serve_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not (installed.parent / "lib").joinpath("node_modules").exists()

    built = run(installed, elsewhere, "build")
    assert built.returncode == 0, built.stderr
    answer = run(installed, elsewhere, "query", "--format", "csv", COUNT_ICBS)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines() == ["n", "42"]

    board = elsewhere / "board.csv"
    shutil.copy(resources.EXAMPLES_DIR / "icb-board.csv", board)
    checked = run(installed, elsewhere, "validate", str(board), "--regime", "hca2022")
    assert checked.returncode in (0, 1), checked.stdout + checked.stderr  # checked, not an error

    reasoned = run(installed, elsewhere, "reason")
    assert reasoned.returncode == 2 and "icskg[reason]" in reasoned.stderr + reasoned.stdout

    port = free_port()
    server = subprocess.Popen([str(installed / "icskg"), "serve", "--port", str(port)], cwd=elsewhere,
                              env={**os.environ, "ICSKG_DATA_DIR": str(elsewhere / "var")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300  # a wait for start-up, not a speed claim
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        request = urllib.request.Request(
            base + "/sparql?" + urllib.parse.urlencode({"query": COUNT_ICBS}),
            headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
        assert rows[0]["n"]["value"] == "42"
        with urllib.request.urlopen(base + "/query", timeout=30) as page:
            text = page.read().decode()
        assert 'id="editor-missing"' in text, "no node_modules here: the page says so"
        assert "01-legislative-options" in text, "the shipped competency questions were found"
        with urllib.request.urlopen(base + "/def/rule/ICB-BOARD-CHAIR", timeout=30) as page:
            assert 'id="rule-example"' in page.read().decode(), "the shipped cases give the example"
    finally:
        server.terminate()
        server.wait(timeout=20)
