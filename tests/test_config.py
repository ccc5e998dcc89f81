"""Settings come from defaults, then ICSKG_* environment variables, then flags."""

from pathlib import Path

import pytest

from icskg.config import load_settings


def test_defaults():
    settings = load_settings(environ={})
    assert (settings.host, settings.port, settings.data_dir) == ("127.0.0.1", 8000, Path("var"))


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"ICSKG_PORT": "9000", "ICSKG_DATA_DIR": "/tmp/x", "ICSKG_HOST": "0.0.0.0"}
    assert load_settings(environ=env).port == 9000
    assert load_settings(environ=env).data_dir == Path("/tmp/x")
    flags = load_settings({"port": 9100, "host": None}, environ=env)
    assert (flags.port, flags.host) == (9100, "0.0.0.0")


def test_a_bad_environment_value_is_named():
    with pytest.raises(ValueError, match="ICSKG_PORT='eighty'"):
        load_settings(environ={"ICSKG_PORT": "eighty"})
