"""The `linli` console script: imports with the collector off, then runs the command."""

from __future__ import annotations

import gc
import importlib.metadata
from collections.abc import Iterator

import pytest

from bot import launch


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_console_script_is_the_launcher() -> None:
    (script,) = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "linli"]
    assert script.value == "bot.launch:main"


def test_the_collector_is_off_inside_and_on_again_after(collector_on: None) -> None:
    with launch.settled_imports():
        assert not gc.isenabled()
        made = [["an imported module's table"]]
    assert gc.isenabled()
    # Frozen: in no generation a collection walks.
    assert not any(o is made for o in gc.get_objects())
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), launch.settled_imports():
        raise RuntimeError("an import failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # a failed import freezes nothing


def test_a_collector_switched_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with launch.settled_imports():
        pass
    assert not gc.isenabled()


def test_main_runs_the_command_with_the_collector_on(
    collector_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert launch.main(["issues"]) == 0
    assert "社区晨报 · 凉城新村街道" in capsys.readouterr().out
    assert gc.isenabled()


def test_main_gives_argparse_exit_on_an_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        launch.main(["no-such-command"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
