"""Settings read from the environment (prefix PORTALWATCH_)."""

import os
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portalwatch.core.config_files import ConfigError, describe_error
from portalwatch.core.models import web_address

# The installed portalwatch package: the default taxonomy ships inside it.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "portalwatch"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTALWATCH_")

    data_dir: Path = _default_data_dir()
    sources: Path | None = None
    taxonomy: Path = PACKAGE_DIR / "taxonomy.yaml"
    plans: Path | None = None  # campaign plans: which sources must cover which topics, when
    user_agent: str = "portalwatch/0.1 (+https://github.com/portalwatch/portalwatch)"
    # Elasticsearch: setting es_url switches every command from the embedded store to the cluster.
    es_url: str | None = None
    # PostgreSQL: setting state_url moves the crawl state (archive, frontier, health, locks, alerts) from the
    # data directory's SQLite files into one database that workers on several machines share.
    state_url: str | None = None
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    es_ca_certs: Path | None = None
    es_alias: str = "articles"
    es_timeout: float = 30.0
    # E-mail delivery of the digest (SMTP with STARTTLS unless turned off).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_ca_certs: Path | None = None
    mail_from: str = "portalwatch@localhost"
    mail_to: str = ""  # comma-separated recipients
    # Same-day alerts. Recipients of spikes, plan gaps and source health: e-mail addresses and webhook URLs,
    # comma-separated (empty: mail_to); saved searches name their own.
    alert_recipients: str = ""
    alert_webhook_secret: str | None = None  # signs each JSON webhook body (HMAC-SHA256)
    alert_interval_minutes: int = Field(default=60, ge=1)  # how often `serve` runs the checks
    scheduler_interval_minutes: int = Field(default=5, ge=1)  # how often `serve` looks for sources due a crawl
    crawl_batch: int = Field(default=50, ge=1)  # sources one scheduled run crawls together (then it looks again)
    alert_p_value: float = Field(default=0.001, gt=0, lt=1)  # spike sensitivity: upper-tail probability
    alert_min_count: int = Field(default=5, ge=1)  # fewer articles in a day are never a spike
    alert_min_ratio: float = Field(default=2.0, ge=1)  # a spike is at least this many times the usual count
    alert_gap_days: int = Field(default=3, ge=1)  # plan gap: days without a required topic (plans may override)
    alert_attempts: int = Field(default=3, ge=1)  # tries per receiver and run, with backoff between them
    alert_backoff_seconds: float = Field(default=2.0, ge=0)  # first wait; doubled after each failed try
    alert_timeout: float = Field(default=10.0, gt=0)  # seconds a webhook receiver has to answer

    @field_validator("state_url")
    @classmethod
    def _state_address(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("cần một địa chỉ PostgreSQL dạng postgresql://người-dùng@máy:cổng/cơ-sở-dữ-liệu")
        return value or None

    @field_validator("es_url")
    @classmethod
    def _engine_address(cls, value: str | None) -> str | None:
        return web_address(value) if value else None

    @property
    def sources_file(self) -> Path:
        return self.sources or self.data_dir / "sources.yaml"

    @property
    def plans_file(self) -> Path:
        return self.plans or self.data_dir / "plans.yaml"

    @property
    def archive_db(self) -> "Path | str":
        """The crawl state: archive.db in the data directory, or the shared PostgreSQL database."""
        return self.state_url or self.data_dir / "archive.db"

    @property
    def alerts_db(self) -> "Path | str":
        return self.state_url or self.data_dir / "alerts.db"

    @property
    def locks_at(self) -> "Path | str":
        """Where one-at-a-time jobs take their locks: files in the data directory's locks/, or advisory locks
        in the shared database."""
        return self.state_url or self.data_dir

    @property
    def store_path(self) -> Path:
        return self.data_dir / "portalwatch.db"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def users_file(self) -> Path:
        """The web interface's users and their password hashes (portalwatch users)."""
        return self.data_dir / "users.json"

    @property
    def tokens_file(self) -> Path:
        """The JSON API's tokens, as hashes (portalwatch users token)."""
        return self.data_dir / "tokens.json"

    @property
    def digest_dir(self) -> Path:
        return self.data_dir / "digests"


def get_settings() -> Settings:
    """The settings, with the data directory made; a bad value is one ConfigError line naming its variable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = f"PORTALWATCH_{str(error['loc'][0]).upper()}" if error["loc"] else "PORTALWATCH_*"
        raise ConfigError(f"Biến môi trường {name}: {describe_error(error)}.") from exc
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Không tạo được thư mục dữ liệu {settings.data_dir} ({exc.strerror}): đặt "
                          "PORTALWATCH_DATA_DIR là một thư mục ghi được.") from exc
    return settings
