"""What the Makefile's targets would run (``make -n``): ``make lab`` opens no browser, and a
VENV of the reader's own is used as it is, never installed into."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(*arguments: str) -> str:
    """The commands ``make -n`` prints for ``arguments``, run in the checkout, without the
    variables of a make that runs these tests (``make unit SETUP=`` passes ``SETUP=`` down in
    MAKEFLAGS)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SETUP", "VENV"}
    }
    return subprocess.run(
        ["make", "-n", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    ).stdout


@pytest.fixture
def own_venv(tmp_path: Path) -> Path:
    """A folder shaped like an existing virtual environment: bin/python."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(sys.executable)
    return tmp_path


def test_lab_serves_without_opening_a_browser_and_says_where_to_go(own_venv):
    commands = planned("lab", f"VENV={own_venv}")
    assert f"{own_venv}/bin/jupyter lab --no-browser" in commands
    assert "address it prints" in commands


@pytest.mark.parametrize("target", ["lab", "book", "notebooks"])
def test_an_existing_venv_of_ones_own_is_used_as_it_is(own_venv, target):
    commands = planned(target, f"VENV={own_venv}")
    assert "-m pip install" not in commands
    assert "Using " in commands and "nothing is installed into it" in commands


def test_a_venv_that_does_not_exist_yet_is_set_up(tmp_path):
    commands = planned("lab", f"VENV={tmp_path / 'new'}")
    assert f"python3 -m venv {tmp_path / 'new'}" in commands
    assert "pip install --quiet --no-deps -e ." in commands
