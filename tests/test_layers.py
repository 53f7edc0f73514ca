"""The architecture's boundaries, read from every module's imports.

- ``bot`` (the Telegram, CLI and terminal adapters) enters ``corpus`` through its one
  door, ``corpus.api``, plus ``corpus.settings``; it never imports ``retrieval`` or SQL.
- ``corpus`` never imports ``telegram`` or ``bot``.
- ``retrieval`` is pure: no project package, no Telegram, no SQL.
- ``bot.web`` (the web console) is a user interface beside the Telegram one: it shares the
  pure renderers (``bot.render``) and ``bot.state``, never Telegram itself or the bot's
  handlers; only the composition root (``bot.app``) and the CLI start it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(package: str) -> list[tuple[str, str]]:
    """(module file, imported module) for every import in ``package``, lazy ones included."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
                if node.module == "corpus":
                    # `from corpus import api` names the submodule imported.
                    found += [
                        (str(path.relative_to(ROOT)), f"corpus.{alias.name}")
                        for alias in node.names
                    ]
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_packages_have_modules() -> None:
    for package in ("bot", "corpus", "retrieval"):
        assert imports(package), package


@pytest.mark.parametrize(("file", "module"), imports("bot"))
def test_bot_enters_corpus_only_through_its_door(file: str, module: str) -> None:
    if top(module) == "corpus" and module != "corpus":
        assert module in ("corpus.api", "corpus.settings"), f"{file} imports {module}"
    assert top(module) not in ("retrieval", "sqlalchemy"), f"{file} imports {module}"


@pytest.mark.parametrize(("file", "module"), imports("corpus"))
def test_corpus_knows_nothing_of_telegram_or_the_bot(file: str, module: str) -> None:
    assert top(module) not in ("telegram", "bot"), f"{file} imports {module}"


@pytest.mark.parametrize(("file", "module"), imports("retrieval"))
def test_retrieval_is_pure(file: str, module: str) -> None:
    assert top(module) not in ("bot", "corpus", "telegram", "sqlalchemy"), f"{file} imports {module}"


def test_the_layers_test_catches_a_violation(tmp_path: Path) -> None:
    """The checks read real import statements, not a list that could go stale."""
    (tmp_path / "m.py").write_text("from corpus.store.engine import Store\n", encoding="utf-8")
    tree = ast.parse((tmp_path / "m.py").read_text(encoding="utf-8"))
    [node] = tree.body
    assert isinstance(node, ast.ImportFrom) and node.module == "corpus.store.engine"
    with pytest.raises(AssertionError):
        test_bot_enters_corpus_only_through_its_door("m.py", node.module)


# What the console may use of the rest of bot/: pure rendering and in-memory state.
WEB_MAY_USE = ("bot.web", "bot.render", "bot.state")
WEB_STARTERS = ("bot/app.py", "bot/cli.py")


@pytest.mark.parametrize(("file", "module"), [m for m in imports("bot") if m[0].startswith("bot/web/")])
def test_the_web_console_uses_no_telegram_and_no_handlers(file: str, module: str) -> None:
    assert top(module) != "telegram", f"{file} imports {module}"
    if top(module) == "bot":
        assert module.startswith(WEB_MAY_USE), f"{file} imports {module}"


@pytest.mark.parametrize(
    ("file", "module"), [m for m in imports("bot") if not m[0].startswith("bot/web/")]
)
def test_only_the_composition_root_and_the_cli_start_the_console(file: str, module: str) -> None:
    if module.startswith("bot.web"):
        assert file in WEB_STARTERS, f"{file} imports {module}"
