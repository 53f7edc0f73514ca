"""Settings from the environment and .env, and the service built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.service import service_from_settings
from corpus.settings import Settings, SettingsError


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("STAFF_IDS=1,2\nADMIN_IDS=3\nLOG_RETENTION_DAYS=30\n", encoding="utf-8")
    settings = Settings.from_env({"LOG_RETENTION_DAYS": "7"}, env_file=env_file)
    assert settings.staff_ids == {1, 2, 3}  # admins are staff too
    assert settings.admin_ids == {3}
    assert settings.log_retention_days == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "12,abc"),
        ("WEBHOOK_PORT", "eighty"),
        ("LOG_RETENTION_DAYS", "0"),
        ("LINLI_USERDICT", "/nonexistent/userdict.txt"),
        ("LINLI_SYNONYMS", "/nonexistent/synonyms.tsv"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value}, env_file=None)


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
    service = service_from_settings(settings)
    try:
        assert "桂花苑" in service.tokenizer.tokenize("桂花苑加装电梯")
        assert service.answer("放电影").found
        assert (settings.data_dir / "index").is_dir()  # the index is kept between runs
    finally:
        service.store.close()
