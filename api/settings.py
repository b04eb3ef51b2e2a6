"""Configuration from environment variables, validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite://data/promoplan.sqlite3"


class SettingsError(Exception):
    """A setting is invalid; the message is one line naming the variable."""


def _database_url(value: str) -> str:
    scheme = urlsplit(value).scheme
    if scheme == "postgresql":
        return "postgres" + value[len("postgresql") :]
    if scheme not in {"sqlite", "postgres", "asyncpg"}:
        raise ValueError("must start with sqlite:// or postgres://")
    return value


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://promoplan.example.com")
    return value.rstrip("/")


def _mail_address(value: str) -> str:
    if value and "@" not in value:
        raise ValueError("must be an e-mail address")
    return value


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", populate_by_name=True
    )

    database_url: Annotated[str, AfterValidator(_database_url)] = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1, le=200)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: Annotated[str, AfterValidator(_mail_address)] = "promoplan@localhost"
    agency_notify_email: Annotated[str, AfterValidator(_mail_address)] = ""
    public_base_url: Annotated[str, AfterValidator(_base_url)] = "http://127.0.0.1:8000"

    # Outbox delivery: `serve` runs one worker in-process unless this is false.
    outbox_worker_in_process: bool = True
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    outbox_batch_size: int = Field(default=20, ge=1, le=500)
    outbox_lease_seconds: float = Field(default=120, gt=0, le=3600)
    outbox_retry_base_seconds: float = Field(default=10, gt=0, le=3600)
    outbox_retry_max_seconds: float = Field(default=900, gt=0, le=24 * 3600)
    outbox_max_age_hours: float = Field(default=48, gt=0, le=24 * 30)
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=600)

    session_ttl_hours: int = Field(default=24 * 7, ge=1, le=24 * 90)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_max_failures_per_client: int = Field(default=30, ge=1, le=10_000)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)

    # Operating in production.
    trusted_documents: bool = Field(default=False, alias="PROMOPLAN_TRUSTED_DOCUMENTS")
    introspection: bool = Field(default=False, alias="PROMOPLAN_INTROSPECTION")
    cors_origins: str = Field(default="", alias="PROMOPLAN_CORS_ORIGINS")
    trusted_proxies: str = Field(default="", alias="PROMOPLAN_TRUSTED_PROXIES")
    metrics_token: str = Field(default="", alias="PROMOPLAN_METRICS_TOKEN")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, le=64 * 1024 * 1024, alias="PROMOPLAN_MAX_BODY_BYTES"
    )
    body_read_timeout_seconds: float = Field(
        default=30, gt=0, le=600, alias="PROMOPLAN_BODY_READ_TIMEOUT_SECONDS"
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=1, le=1_000_000, alias="PROMOPLAN_RATE_LIMIT_PER_MINUTE"
    )
    # Queries run breadth first (api/level_execution.py); off: graphql-core's executor only.
    level_execution: bool = Field(default=True, alias="PROMOPLAN_LEVEL_EXECUTION")
    # Loaders and list pages read rows as plain records (api/records.py); off: instances.
    plain_rows: bool = Field(default=True, alias="PROMOPLAN_PLAIN_ROWS")
    # Parsed and validated documents are kept (api/document_caches.py); off: each request's
    # document is parsed, validated and planned anew (to measure what the caches save).
    document_caches: bool = Field(default=True, alias="PROMOPLAN_DOCUMENT_CACHES")
    # Responses are encoded with orjson; off: with the standard library's json.
    orjson_responses: bool = Field(default=True, alias="PROMOPLAN_ORJSON_RESPONSES")
    # Container objects allocated between two young-generation collections (see gc_tuning).
    gc_threshold: int = Field(default=50_000, ge=700, le=1_000_000, alias="PROMOPLAN_GC_THRESHOLD")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="PROMOPLAN_LOG_LEVEL"
    )
    # uvicorn's event loop and HTTP parser for `serve` (measured in bench/RESULTS.md, Levers).
    server_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop", alias="PROMOPLAN_SERVER_LOOP"
    )
    server_http: Literal["httptools", "h11"] = Field(
        default="httptools", alias="PROMOPLAN_SERVER_HTTP"
    )

    @property
    def cors_origin_list(self) -> list[str]:
        return _comma_list(self.cors_origins)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _comma_list(self.trusted_proxies)

    @property
    def is_postgres(self) -> bool:
        return not self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read the environment; raise SettingsError naming the first bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "?"
        raise SettingsError(f"invalid setting {variable}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
