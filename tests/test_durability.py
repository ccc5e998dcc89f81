"""Nothing is lost: a killed or failed build leaves the previous store serving, a damaged store is
detected with an instruction to rebuild, and a killed web worker is replaced."""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from icskg.cli import main
from icskg.store import EmbeddedStore

pytestmark = pytest.mark.slow

COUNT = ("PREFIX ics: <https://w3id.org/icskg/def/> "
         "SELECT (COUNT(*) AS ?n) WHERE { ?x a ics:IntegratedCareBoard }")


def icskg(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "icskg", *args], capture_output=True, text=True, **kwargs)


def icb_count(data_dir) -> str:
    return next(EmbeddedStore(data_dir).query(COUNT).rows())[0]


@pytest.fixture()
def built(tmp_path, data_dir, store):
    """A data directory holding a copy of the session's built store."""
    target = tmp_path / "var"
    shutil.copytree(data_dir / "builds", target / "builds")
    (target / "store").symlink_to(os.readlink(data_dir / "store"))
    return target


def test_sigkill_at_random_points_of_a_build_never_breaks_the_store(built):
    rng = random.Random(20221701)
    for _ in range(6):
        build = subprocess.Popen([sys.executable, "-m", "icskg", "--data-dir", str(built), "build"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        build.kill()
        build.wait()
        assert icb_count(built) == "42"
    result = icskg("--data-dir", str(built), "build")
    assert result.returncode == 0, result.stderr
    assert icb_count(built) == "42"


def test_a_full_disk_fails_the_build_with_a_message_and_keeps_the_store(built):
    before = os.readlink(built / "store")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    result = icskg("--data-dir", str(built), "build", preexec_fn=small_disk)
    assert result.returncode == 2
    assert "Is the disk full?" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.readlink(built / "store") == before
    assert icb_count(built) == "42"


def test_an_unreadable_table_fails_the_build_and_keeps_the_store(built, tmp_path):
    from icskg import resources
    from icskg.build import BuildError, build_store

    sources = tmp_path / "sources"
    shutil.copytree(resources.SOURCE_TABLES_DIR, sources)
    (sources / "pcn.csv").write_bytes(b"\xff\xfe not utf-8 \x00")
    with pytest.raises(BuildError, match=r"pcn\.csv: cannot read"):
        build_store(EmbeddedStore(built), sources_dir=sources)
    assert icb_count(built) == "42"


def test_a_damaged_store_is_detected_with_an_instruction(built, settings):
    for table in (built / "store").glob("*.sst"):
        table.write_bytes(b"damaged")
    result = CliRunner().invoke(main, ["--data-dir", str(built), "query", COUNT])
    assert result.exit_code == 2
    assert "Run `icskg build`" in result.output
    assert "Traceback" not in result.output

    from icskg.config import load_settings
    from icskg.web import create_app

    client = create_app(load_settings({"data_dir": built}, environ={})).test_client()
    response = client.get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "cannot answer right now" in body
    assert str(built) not in body, "no server paths in public answers"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert str(built) not in health.get_data(as_text=True)


def web_workers(port: int) -> set[int]:
    """The gunicorn workers of the server on ``port`` that this test session started: the
    children of its ``icskg serve --port PORT`` process (``/healthz`` shows no process ids)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parents.setdefault(int(stat.read().rsplit(b")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    for pid in parents.get(os.getpid(), []):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and str(port).encode() in command:
            return set(parents.get(pid, []))
    return set()


@pytest.mark.server
def test_a_killed_web_worker_is_replaced(live_server):
    port = int(live_server.rsplit(":", 1)[1])
    workers = web_workers(port)
    assert len(workers) == 2
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    deadline, answered = time.monotonic() + 120, 0  # a wait for the new worker, not a speed claim
    while time.monotonic() < deadline and (answered < 20 or len(web_workers(port) - {victim}) < 2):
        try:
            with urllib.request.urlopen(live_server + "/sparql?query=ASK%7B%7D", timeout=5) as r:
                answered += r.status == 200
        except OSError:
            time.sleep(0.1)
    assert answered >= 20
    assert victim not in web_workers(port)
    assert len(web_workers(port)) == 2, "gunicorn started a new worker in place of the killed one"
