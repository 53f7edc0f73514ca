"""The same issue from another copy is recognised by its text, whatever the source."""

from __future__ import annotations

from corpus.ingest.prepare import IssueMeta, prepare_issue
from corpus.ingest.write import judge_issue, store_issues
from corpus.store.engine import Store
from corpus.store.issues import list_issues
from tests.support.ocr import PAGE_TEXT

PAGE = PAGE_TEXT.read_text(encoding="utf-8")
# What OCR makes of the page: spaces dropped, a character misread, the headline marks gone.
OCR_COPY = (
    PAGE.replace("□记者 林晓", "口记者林晓")
    .replace("本报讯 ", "本报讯")
    .replace("电梯项目", "电悌项目")
    .replace("# 社区晨报", "社区晨报")
)


def judged(
    store: Store, text: str, date: str, street: str | None = None
) -> tuple[str, int | None, float | None]:
    prepared = prepare_issue(text, IssueMeta(date=date, street=street, source_name="copy"))
    with store.factory() as session:
        check, issue, similarity = judge_issue(session, prepared)
        return check, issue.id if issue else None, similarity


def test_a_copy_under_another_date_is_the_stored_issue_not_a_new_one(empty_store: Store) -> None:
    [stored] = store_issues(empty_store.factory, [prepare_issue(PAGE, IssueMeta(date="2026-11"))])
    check, issue_id, similarity = judged(empty_store, OCR_COPY, "2026-11-20")
    assert issue_id == stored.issue_id and check in ("duplicate", "correction")
    assert similarity is not None and similarity > 0.8
    # Storing it changes nothing or corrects #1; it never adds a second issue.
    store_issues(empty_store.factory, [prepare_issue(OCR_COPY, IssueMeta(date="2026-11-20"))])
    with empty_store.factory() as session:
        assert [i.id for i in list_issues(session)] == [stored.issue_id]


def test_half_the_page_rewritten_is_a_correction_and_another_paper_is_new(
    empty_store: Store,
) -> None:
    [stored] = store_issues(empty_store.factory, [prepare_issue(PAGE, IssueMeta(date="2026-11"))])
    paragraphs = PAGE.split("\n\n")
    rewritten = "\n\n".join(
        [
            *paragraphs[:-2],
            "## 社区食堂暂停营业",
            "社区长者食堂因设备检修，本周暂停营业，下周一恢复供应。",
        ]
    )
    check, issue_id, _ = judged(empty_store, rewritten, "2026-11-05")
    assert (check, issue_id) == ("correction", stored.issue_id)
    other = "# 社区晨报\n\n## 长风公园银杏大道迎来最佳观赏期\n\n长风公园的银杏大道本周进入最佳观赏期，公园新增了十二张座椅供游客休息。"
    assert judged(empty_store, other, "2026-11", street="长风新村街道")[0] == "new"


def test_a_correction_by_paper_street_and_date_shows_a_similarity_only_when_alike(
    empty_store: Store,
) -> None:
    store_issues(empty_store.factory, [prepare_issue(PAGE, IssueMeta(date="2026-11"))])
    assert judged(empty_store, OCR_COPY, "2026-11")[0:1] == ("correction",)
    assert (judged(empty_store, OCR_COPY, "2026-11")[2] or 0) > 0.8
    other = "# 社区晨报\n\n凉城新村街道、社区晨报编辑部 联合出版\n\n## 社区运动会开幕\n\n第十届社区运动会在凉城公园开幕，五百多名居民参加。"
    check, _, similarity = judged(empty_store, other, "2026-11")
    assert check == "correction" and similarity is None
