"""Shared fixtures: one store built from the real tables per test session, the app over it,
and a real gunicorn server on loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from icskg import search
from icskg.build import BuildResult, build_store
from icskg.config import Settings, load_settings
from icskg.namespaces import sparql_prologue
from icskg.store import EmbeddedStore
from icskg.web import create_app
from tests.processes import icskg_serving


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def say(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Write a line to the terminal past pytest's output capture, so a step that takes a while
    shows what it is doing instead of a still screen."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(message: str) -> None:
        if reporter is None or capture is None:
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"  [{time.strftime('%H:%M:%S')}] {message}")

    return write


@pytest.fixture(scope="session")
def build_result(data_dir: Path, say: Callable[[str], None]) -> BuildResult:
    say("building the test store from the real tables (once per session)")
    store = EmbeddedStore(data_dir)
    result = build_store(store, progress=lambda step: say(f"build: {step}"))
    search.ensure_index(store, data_dir)  # as `icskg build` does
    return result


@pytest.fixture(scope="session")
def store(data_dir: Path, build_result: BuildResult) -> EmbeddedStore:
    return EmbeddedStore(data_dir)


@pytest.fixture(scope="session")
def select(store: EmbeddedStore):
    """Run a SELECT with every icskg prefix declared; rows as dicts of plain strings."""

    def run(query: str) -> list[dict[str, str | None]]:
        result = store.query(sparql_prologue() + query)
        names = result.variables()
        return [dict(zip(names, row, strict=True)) for row in result.rows()]

    return run


@pytest.fixture(scope="session")
def settings(data_dir: Path, store: EmbeddedStore) -> Settings:
    return load_settings({"data_dir": data_dir}, environ={})


@pytest.fixture()
def app(settings: Settings, store: EmbeddedStore) -> Flask:
    return create_app(settings, store)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(live_server_process: tuple[str, int]) -> str:
    """``icskg serve`` as README runs it (gunicorn), on a free loopback port: its base URL."""
    return live_server_process[0]


@pytest.fixture(scope="session")
def live_server_process(data_dir: Path, store: EmbeddedStore) -> Iterator[tuple[str, int]]:
    """``icskg serve`` as README runs it (gunicorn) over the session's store (built first);
    yields its base URL and its process id."""
    port = free_port()
    with icskg_serving(data_dir, port, data_dir / "server.log", env={"ICSKG_WORKERS": "2"}) as process:
        yield f"http://127.0.0.1:{port}", process.pid
