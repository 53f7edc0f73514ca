"""Linli's settings: one object, read from the environment and `.env` at entry points only."""

from __future__ import annotations

import importlib.util
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

PLACEHOLDER_TOKENS = {"", "changeme", "your-token-here", "123456:ABC-DEF"}

# The databases Linli runs on, by URL scheme (SQLAlchemy's, with or without a driver).
SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg")
# Numbers outside these are typos or units mixed up, never a setting anyone means: a
# retention past a century or a port past 65535 would fail later, deep in a library.
RETENTION_DAYS = (1, 36500)
RATE_LIMIT = (0, 10000)  # 0: no limit (bot.state.RateLimiter)
PORT = (1, 65535)
UPLOAD_MB = (1, 2048)
# The web console's port for `linli web` when WEB_PORT is unset.
DEFAULT_WEB_PORT = 8080


class SettingsError(ValueError):
    """A setting has a value Linli cannot use; the message names it."""


def default_data_dir() -> Path:
    """Per-user data directory (XDG on Linux), used when LINLI_DATA_DIR is unset."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "linli"


def _ids(name: str, raw: str | None) -> frozenset[int]:
    if not raw or not raw.strip():
        return frozenset()
    ids: set[int] = set()
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError as exc:
            raise SettingsError(f"{name}: '{part}' is not a Telegram user id (a number)") from exc
    return frozenset(ids)


def _int(name: str, raw: str | None, default: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        raise SettingsError(f"{name}: '{shown}' is not a whole number") from exc


def _flag(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0 (got {raw!r})")


def _ranged(name: str, raw: str | None, default: int, bounds: tuple[int, int]) -> int:
    value = _int(name, raw, default)
    low, high = bounds
    if not low <= value <= high:
        shown = str(value) if len(str(value)) <= 20 else str(value)[:19] + "…"
        raise SettingsError(f"{name}: must be at least {low} and at most {high} (got {shown})")
    return value


def _base_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.lower().startswith(("http://", "https://")) or len(raw) > 300:
        raise SettingsError(
            "WEB_BASE_URL must be the console's address, e.g. https://linli.example.org"
        )
    return raw.rstrip("/")


def _postgres_driver_installed() -> bool:
    return importlib.util.find_spec("psycopg") is not None


def _check_database_url(url: str) -> None:
    """Refuse, at start, a DATABASE_URL Linli cannot open, naming what to change.

    Only the scheme is shown back: the rest of the URL may hold a password.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in SQLITE_SCHEMES:
        return
    if scheme in POSTGRES_SCHEMES:
        if not _postgres_driver_installed():
            raise SettingsError(
                "DATABASE_URL is a PostgreSQL URL, but its driver (psycopg) is not installed: "
                "install the postgres extra (make run EXTRAS=postgres, or "
                "pip install 'linli[postgres]')"
            )
        return
    raise SettingsError(
        f"DATABASE_URL: {scheme + '://' if scheme else 'the value'} is not a database Linli "
        "supports; give sqlite:///PATH or postgresql://USER:PASSWORD@HOST:5432/DB"
    )


def _check_data_dir(path: Path) -> None:
    """Refuse a data directory that is not a writable folder or cannot be created.

    Checked without creating anything; otherwise the first write (the SQLite file, the
    log key, the index) fails later with an OSError traceback.
    """
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = (
            "is not a folder" if existing == path else f"cannot be created: {existing} is a file"
        )
        raise SettingsError(f"LINLI_DATA_DIR: {path} {where}")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = (
            "is read-only" if existing == path else f"cannot be created: {existing} is read-only"
        )
        raise SettingsError(f"LINLI_DATA_DIR: {path} {where}; give a folder Linli may write to")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a newcomer needs (see `.env.example`)."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    staff_ids: frozenset[int] = frozenset()
    admin_ids: frozenset[int] = frozenset()
    log_hmac_secret: str | None = None
    log_retention_days: int = 180
    # Followers who have not dealt with their follows this long are asked once whether to
    # keep them, and removed (with their chat id) if they do not answer.
    follow_retention_days: int = 365
    rate_limit_per_minute: int = 20
    userdict_path: Path | None = None
    synonyms_path: Path | None = None
    # Cilin thesaurus synonyms in query expansion (LINLI_THESAURUS=1; off by default).
    thesaurus: bool = False
    log_level: str = "INFO"
    # None: the demo corpus fills a new SQLite store (a newcomer's first run), never a
    # server database; True/False (LINLI_DEMO_CORPUS=1/0) decide for every database.
    demo_corpus: bool | None = None
    # The web console (bot/web): served by `linli serve` when web_port is set, or alone by
    # `linli web`; web_base_url is the address sign-in links name (behind a proxy, its
    # public https:// one: cookies are then Secure).
    web_port: int | None = None
    web_listen: str = "127.0.0.1"
    web_base_url: str | None = None
    web_max_upload_mb: int = 100

    @property
    def console_url(self) -> str:
        """Where the console is reached: WEB_BASE_URL, else the local address it listens on."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = self.web_listen if self.web_listen not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.web_port or DEFAULT_WEB_PORT}"

    @property
    def seeds_demo(self) -> bool:
        """Whether a store that never held issues gets the bundled demo corpus."""
        if self.demo_corpus is not None:
            return self.demo_corpus
        return self.db_url.startswith("sqlite")

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL, else a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'linli.sqlite3'}"

    @property
    def has_token(self) -> bool:
        return bool(self.telegram_bot_token) and self.telegram_bot_token not in PLACEHOLDER_TOKENS

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over the ``env_file`` values.

        Real environment variables win over `.env`, as with most twelve-factor tools.
        """
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update(_env_file_values(Path(env_file)))
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name)
            return value.strip() if value is not None and value.strip() else None

        data_dir = Path(get("LINLI_DATA_DIR") or default_data_dir()).expanduser()
        _check_data_dir(data_dir)
        if database_url := get("DATABASE_URL"):
            _check_database_url(database_url)
        for name in ("LINLI_USERDICT", "LINLI_SYNONYMS"):
            path = get(name)
            if path and not Path(path).expanduser().is_file():
                raise SettingsError(f"{name}: no such file: {path}")
        admins = _ids("ADMIN_IDS", get("ADMIN_IDS"))
        thesaurus = bool(_flag("LINLI_THESAURUS", get("LINLI_THESAURUS")))
        if thesaurus:
            from retrieval.expansion.thesaurus import ThesaurusUnavailable, cilin_tree_path

            try:
                cilin_tree_path()
            except ThesaurusUnavailable as exc:
                raise SettingsError(f"LINLI_THESAURUS: {exc}") from None
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_base_url=get("TELEGRAM_API_BASE_URL"),
            telegram_api_file_url=get("TELEGRAM_API_FILE_URL"),
            webhook_url=get("WEBHOOK_URL"),
            webhook_secret=get("WEBHOOK_SECRET"),
            webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=_ranged("WEBHOOK_PORT", get("WEBHOOK_PORT"), 8443, PORT),
            # Admins are staff too.
            staff_ids=_ids("STAFF_IDS", get("STAFF_IDS")) | admins,
            admin_ids=admins,
            log_hmac_secret=get("LOG_HMAC_SECRET"),
            log_retention_days=_ranged(
                "LOG_RETENTION_DAYS", get("LOG_RETENTION_DAYS"), 180, RETENTION_DAYS
            ),
            follow_retention_days=_ranged(
                "FOLLOW_RETENTION_DAYS", get("FOLLOW_RETENTION_DAYS"), 365, RETENTION_DAYS
            ),
            rate_limit_per_minute=_ranged(
                "RATE_LIMIT_PER_MINUTE", get("RATE_LIMIT_PER_MINUTE"), 20, RATE_LIMIT
            ),
            userdict_path=Path(p).expanduser() if (p := get("LINLI_USERDICT")) else None,
            synonyms_path=Path(p).expanduser() if (p := get("LINLI_SYNONYMS")) else None,
            thesaurus=thesaurus,
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            demo_corpus=_flag("LINLI_DEMO_CORPUS", get("LINLI_DEMO_CORPUS")),
            web_port=_ranged("WEB_PORT", p, DEFAULT_WEB_PORT, PORT) if (p := get("WEB_PORT")) else None,
            web_listen=get("WEB_LISTEN") or "127.0.0.1",
            web_base_url=_base_url(get("WEB_BASE_URL")),
            web_max_upload_mb=_ranged(
                "WEB_MAX_UPLOAD_MB", get("WEB_MAX_UPLOAD_MB"), 100, UPLOAD_MB
            ),
        )


def _env_file_values(path: Path) -> dict[str, str]:
    """The settings in a .env file; one clear SettingsError if it cannot be read.

    A .env saved by an editor in GBK (a Chinese comment, say) made python-dotenv raise
    UnicodeDecodeError, a traceback at start.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}
