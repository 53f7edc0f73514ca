"""The `linli` command line, run as a user would (in-process, real store under LINLI_DATA_DIR)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.ocr import PAGE_PHOTO, requires_ocr, scan_pdf

QUESTION = "世纪同乐小区什么时候清理楼道堆物？"


def run(
    *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str]:
    out = io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_issues_lists_the_bundled_corpus_on_first_use() -> None:
    code, text = run("issues")
    assert code == 0
    assert "社区晨报 · 凉城新村街道" in text and "(estimated)" in text
    code, raw = run("issues", "--json")
    issues = json.loads(raw)
    assert len(issues) == 5
    assert {
        "id",
        "publication",
        "street",
        "date",
        "title",
        "source_name",
        "articles",
        "passages",
    } <= set(issues[0])


def test_export_is_json_lines_of_the_documented_shape() -> None:
    code, raw = run("export")
    assert code == 0
    rows = [json.loads(line) for line in raw.splitlines()]
    assert len(rows) > 50
    for row in rows:
        assert set(row) == {"passage_id", "text", "position", "article_title", "issue"}
        assert set(row["issue"]) == {"id", "publication", "street", "date", "title", "source_name"}
    assert any("世纪同乐" in r["text"] for r in rows)


def test_ask_prints_the_answer_a_resident_sees() -> None:
    code, text = run("ask", QUESTION)
    assert code == 0
    assert "11月22日" in text and "11月30日" in text
    assert "长风新村街道 · 2019年12月 · 世纪同乐" in text


def test_ask_json_has_the_documented_shape() -> None:
    _code, raw = run("ask", "--json", QUESTION)
    answer = json.loads(raw)
    assert set(answer) == {"query", "answer_text", "direct_answer", "results", "took_ms"}
    assert "11月22日" in answer["direct_answer"]
    first = answer["results"][0]
    assert set(first) == {
        "rank",
        "score",
        "passage_id",
        "passage",
        "snippet",
        "article_title",
        "issue",
    }
    assert first["rank"] == 1 and first["snippet"] in answer["answer_text"]
    assert "<b>" not in answer["answer_text"]


def test_ask_json_reads_one_question_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = f"{QUESTION}\n看电影的优惠票多少钱\n\n游泳池几点开门\n"
    _code, raw = run("ask", "--json", stdin=lines, monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in raw.splitlines()]
    assert len(answers) == 4
    assert answers[1]["direct_answer"] == "9.9元"
    assert answers[2]["results"] == [] and answers[2]["direct_answer"] is None
    assert answers[3]["results"] == [] and "没有" in answers[3]["answer_text"]


@pytest.mark.parametrize(
    "question",
    ["", "😀😀", "!!!???", "<b>x</b>' OR 1=1; --", "啊" * 10_000, "\x00\x01\x02"],
)
def test_ask_survives_bad_input(question: str) -> None:
    code, raw = run("ask", "--json", question)
    assert code == 0
    assert json.loads(raw)["answer_text"]


def test_ask_without_question_explains() -> None:
    code, _ = run("ask")
    assert code == 1


def test_chat_answers_pages_and_quits_on_eof(monkeypatch: pytest.MonkeyPatch) -> None:
    session = f"/help\n垃圾分类志愿者\n/more\n{QUESTION}\n/full 1\n/latest\n/nonsense\n"
    code, text = run("chat", stdin=session, monkeypatch=monkeypatch)
    assert code == 0
    assert "命令" in text  # help
    assert "11月22日" in text
    assert "第2/4页" in text  # /more showed the next page
    assert "12月7日下午" in text  # the full article
    assert "胡广杰在凉城新村街道调研社区文化工作" in text  # /latest
    assert "不认识的命令" in text
    assert text.rstrip().endswith("再见！")


def test_run_without_token_starts_the_terminal_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = run("run", stdin=f"{QUESTION}\n", monkeypatch=monkeypatch)
    assert code == 0
    assert "terminal chat" in text and "11月22日" in text


def test_questions_from_the_cli_are_logged_pseudonymously(monkeypatch: pytest.MonkeyPatch) -> None:
    run("ask", QUESTION)
    run("chat", stdin="看电影的优惠票多少钱\n", monkeypatch=monkeypatch)
    from sqlalchemy import select

    from corpus.settings import Settings
    from corpus.store.engine import Store
    from corpus.store.models import QueryLogEntry

    store = Store.open(Settings.from_env().db_url)
    try:
        with store.factory() as session:
            entries = list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.id)))
    finally:
        store.close()
    assert [e.question for e in entries] == [QUESTION, "看电影的优惠票多少钱"]
    assert {e.channel for e in entries} == {"cli"}
    assert entries[0].user_hash == entries[1].user_hash and len(entries[0].user_hash) == 32


def test_ingest_then_ask_then_remove(data_dir: Path) -> None:
    code, text = run("ingest", str(data_dir / "sample_issue.txt"), "--date", "2026-11")
    assert code == 0 and text.startswith("added: #6 社区晨报 · 凉城新村街道 · 2026-11")
    code, text = run("ask", "桂花苑加装电梯什么时候竣工")
    assert "明年3月竣工" in text and "2026年11月" in text
    code, text = run("ingest", str(data_dir / "sample_issue.txt"), "--date", "2026-11")
    assert text.startswith("already stored: #6")
    code, text = run("ingest", str(data_dir / "sample_issue_corrected.txt"), "--date", "2026-11")
    assert text.startswith("replaced: #6")
    code, text = run("ask", "桂花苑加装电梯什么时候竣工")
    assert "明年4月竣工" in text
    code, text = run("remove", "6")
    assert code == 0 and "removed: #6" in text
    code, text = run("ask", "桂花苑加装电梯什么时候竣工")
    assert "2026年11月" not in text and "竣工。" not in text  # nothing quoted from #6


def test_ingest_gbk_and_docx(data_dir: Path, tmp_path: Path) -> None:
    import docx

    text = (data_dir / "sample_issue.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk_issue.txt"
    gbk.write_bytes(text.replace("桂花苑", "金桂苑").encode("gbk"))
    document = docx.Document()
    for paragraph in text.replace("桂花苑", "银杏苑").split("\n\n"):
        document.add_paragraph(paragraph.strip())
    word = tmp_path / "issue.docx"
    document.save(str(word))
    code, out = run("ingest", str(gbk), "--date", "2026-10")
    assert code == 0 and "added" in out
    code, out = run("ingest", str(word), "--date", "2026-09", "--title", "银杏苑专刊")
    assert code == 0 and "银杏苑专刊" in out
    assert "金桂苑" in run("ask", "金桂苑电梯签约")[1]
    assert "银杏苑" in run("ask", "银杏苑电梯签约")[1]


def test_bad_files_change_nothing(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = run("issues", "--json")[1]
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 10)
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    good = data_dir / "sample_issue.txt"
    for args in (
        [str(good), str(junk), "--date", "2026-11"],
        [str(empty), "--date", "2026-11"],
        [str(tmp_path / "missing.txt"), "--date", "2026-11"],
        [str(good), "--date", "2026-13"],
        [str(good)],  # no date
    ):
        code, _ = run("ingest", *args)
        assert code == 1
    err = capsys.readouterr().err
    assert "nothing ingested" in err and "junk.txt" in err and "empty" in err
    assert run("issues", "--json")[1] == before


def test_remove_unknown_issue_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("remove", "999")
    assert code == 1 and "no issue #999" in capsys.readouterr().err


def test_eval_prints_per_group_figures() -> None:
    code, text = run("eval", "--split", "tune")
    assert code == 0
    assert "plain" in text and "hit@3" in text and "Linli|baseline" in text
    code, raw = run("eval", "--json", "--split", "tune")
    tune = json.loads(raw)["splits"]["tune"]
    assert tune["plain"]["linli"]["hit@3"] >= 0.9 and "hit@3" in tune["plain"]["baseline"]


def test_eval_verbose_lists_answers_hit_but_left_out_of_the_reply() -> None:
    from bot.cli import _print_misses
    from corpus.answer.evaluate import Report
    from corpus.answer.gold import GoldQuestion, Outcome

    def outcome(qid: str, rank: int | None, shown: bool) -> Outcome:
        q = GoldQuestion(qid, "plain", "number", f"{qid}招了多少人", ("90余名",), None, "tune")
        return Outcome(q, rank, shown, True, "1. “团队成员主要由退休党员组成。”")

    outcomes = [outcome("a", 1, False), outcome("b", 1, True), outcome("c", None, False)]
    base = {"a": outcomes[1], "c": outcomes[1]}  # the baseline showed both
    out = io.StringIO()
    _print_misses(Report({}, outcomes, base), out)
    text = out.getvalue()
    assert "NOT SHOWN a [tune/plain] a招了多少人  (hit at rank 1)  ▼ baseline shown" in text
    assert "MISS c" in text and " b " not in text and "NOT SHOWN c" not in text


def test_eval_without_the_baseline_libraries_says_so_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "rank_bm25", None)  # import fails
    code, text = run("eval", "--split", "heldout")
    assert code == 0
    assert text.count("baseline not run") == 1 and "rank_bm25 is not installed" in text
    assert "heldout (" in text and "fresh (" not in text


def test_bad_settings_are_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STAFF_IDS", "12,abc")
    code, _ = run("issues")
    assert code == 1 and "STAFF_IDS" in capsys.readouterr().err


def test_unknown_subcommand_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        run("frobnicate")
    assert exc.value.code == 2


def _one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``linli argv`` expecting exit code 1 and one line on stderr, no traceback."""
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root:secret@db/linli", "mysql:// is not a database Linli"),
        ("DATABASE_URL", "/var/lib/linli.db", "the value is not a database Linli supports"),
        ("RATE_LIMIT_PER_MINUTE", "-5", "RATE_LIMIT_PER_MINUTE: must be at least 0"),
        ("RATE_LIMIT_PER_MINUTE", "10000000", "at most 10000 (got 10000000)"),
        ("LOG_RETENTION_DAYS", "-1", "LOG_RETENTION_DAYS: must be at least 1"),
        ("LOG_RETENTION_DAYS", "99999999999", "at most 36500"),
        ("LOG_RETENTION_DAYS", "9" * 5000, "is not a whole number"),
        ("WEBHOOK_PORT", "0", "WEBHOOK_PORT: must be at least 1 and at most 65535"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT: must be at least 1 and at most 65535"),
    ],
)
def test_absurd_settings_are_one_line_at_start(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(name, value)
    err = _one_line_error(capsys, "issues")
    assert message in err and "secret" not in err and len(err) < 300


def test_a_postgres_url_without_the_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://linli@127.0.0.1:1/linli")
    monkeypatch.setattr("corpus.settings._postgres_driver_installed", lambda: False)
    err = _one_line_error(capsys, "issues")
    assert "driver (psycopg) is not installed" in err and "postgres extra" in err


def test_the_store_names_the_extra_when_the_driver_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from corpus.api import StoreError
    from corpus.store.engine import make_engine

    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)  # import fails
    with pytest.raises(StoreError, match="postgres extra"):
        make_engine("postgresql://linli@127.0.0.1:1/linli")
    with pytest.raises(StoreError, match="cannot use the database URL"):
        make_engine("nosuchdb://x/y")


def test_a_data_directory_that_cannot_be_created_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("LINLI_DATA_DIR", str(blocker / "linli"))
    err = _one_line_error(capsys, "issues")
    assert f"cannot be created: {blocker} is a file" in err
    monkeypatch.setenv("LINLI_DATA_DIR", str(blocker))
    assert f"{blocker} is not a folder" in _one_line_error(capsys, "issues")


def test_a_read_only_data_directory_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir()
    # Root may write anywhere, so the permission check itself is what is exercised.
    real_access = __import__("os").access
    monkeypatch.setattr(
        "corpus.settings.os.access",
        lambda path, mode: Path(path) != read_only and real_access(path, mode),
    )
    monkeypatch.setenv("LINLI_DATA_DIR", str(read_only))
    assert f"{read_only} is read-only" in _one_line_error(capsys, "issues")
    monkeypatch.setenv("LINLI_DATA_DIR", str(read_only / "linli"))
    assert f"cannot be created: {read_only} is read-only" in _one_line_error(capsys, "issues")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('{"issues": [', "not valid JSON (line 1"),
        ("[1, 2]", "not a manifest; expected"),
        ('{"issues": [{"date": "2026-11"}]}', 'issue 1 has no "file" name'),
        ('{"issues": [{"file": "a.txt", "date": 202611}]}', '"date" must be text'),
    ],
)
def test_a_malformed_manifest_is_one_line(
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    manifest: str,
    message: str,
) -> None:
    folder = tmp_path / "issues"
    folder.mkdir()
    (folder / "a.txt").write_bytes((data_dir / "sample_issue.txt").read_bytes())
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    err = _one_line_error(capsys, "ingest", str(folder))
    assert "nothing ingested" in err and "manifest.json" in err and message in err


@requires_ocr
def test_ingest_a_photo_and_its_scan_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "page.jpg"
    photo.write_bytes(PAGE_PHOTO.read_bytes())
    code, out = run("ingest", str(photo), "--date", "2026-11")
    assert code == 0 and out.startswith("added: #6 社区晨报 · 凉城新村街道 · 2026-11")
    assert "page.jpg: OCR page 1/1" in capsys.readouterr().err
    code, text = run("ask", "社区食堂的老年助餐套餐多少钱")
    assert "十五元" in text and "社区食堂推出老年助餐套餐" in text
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scan_pdf(PAGE_PHOTO.read_bytes()))
    code, out = run("ingest", str(scan), "--date", "2026-11-20")
    assert code == 0 and out.startswith(("already stored: #6", "replaced: #6"))


def test_ingest_a_damaged_photo_names_it_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "page.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 broken")
    code, _ = run("ingest", str(photo), "--date", "2026-11")
    err = capsys.readouterr().err
    assert code != 0 and "page.jpg" in err and "damaged or not an image" in err
    assert "Traceback" not in err
    code, text = run("issues")
    assert "#6" not in text


def test_output_that_cannot_be_written_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    assert main(["export"], out=Full()) == 1
    err = capsys.readouterr().err
    assert err == "linli export: No space left on device\n", err
