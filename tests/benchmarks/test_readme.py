"""Benchmarks write what they printed into their own block of the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.readme import into_readme, markers, write_block


def _readme(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "README.md"
    blocks = "".join(f"{markers(n)[0]}\nold figures\n{markers(n)[1]}\n\n" for n in names)
    path.write_text(f"# Title\n\nprose\n\n{blocks}tail\n", encoding="utf-8")
    return path


def test_a_block_is_replaced_and_nothing_else(tmp_path: Path) -> None:
    path = _readme(tmp_path, "benchmarks.answer --passages 0", "benchmarks.scale")
    write_block(path, "benchmarks.answer --passages 0", ["| a | b |", "| 1 | 2 |"])
    text = path.read_text(encoding="utf-8")
    assert "| 1 | 2 |" in text
    assert text.count("old figures") == 1  # the other block is as it was
    assert text.startswith("# Title\n\nprose\n") and text.endswith("tail\n")


def test_what_a_run_prints_goes_into_its_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _readme(tmp_path, "benchmarks.load --passages 0")
    with into_readme(path, "benchmarks.load --passages 0"):
        print("p95 0.43 s")
    assert "p95 0.43 s" in capsys.readouterr().out  # still printed
    text = path.read_text(encoding="utf-8")
    assert "p95 0.43 s" in text and "load average" in text and "old figures" not in text


def test_a_run_that_fails_leaves_the_readme_alone(tmp_path: Path) -> None:
    path = _readme(tmp_path, "benchmarks.answer --passages 0")
    before = path.read_text(encoding="utf-8")
    with pytest.raises(RuntimeError), into_readme(path, "benchmarks.answer --passages 0"):
        print("half a table")
        raise RuntimeError("the store could not be opened")
    assert path.read_text(encoding="utf-8") == before


def test_a_readme_without_the_block_is_one_clear_line(tmp_path: Path) -> None:
    path = _readme(tmp_path, "benchmarks.scale")
    with pytest.raises(SystemExit) as raised:
        write_block(path, "benchmarks.answer --passages 0", ["x"])
    assert "no '<!-- benchmarks.answer --passages 0: start -->'" in str(raised.value)


def test_the_readme_has_a_block_for_every_run_make_bench_makes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    runs = [line for line in makefile.splitlines() if "--readme README.md" in line]
    assert len(runs) >= 5
    for name in (
        "benchmarks.scale",
        "benchmarks.answer --passages 0",
        "benchmarks.answer --passages 100000",
        "benchmarks.load --passages 0 --cold-start",
        "benchmarks.load --passages 100000",
    ):
        start, end = markers(name)
        assert start in readme and end in readme, name
