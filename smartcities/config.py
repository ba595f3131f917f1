"""Configuration from the environment: the one place settings are read."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


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
    return {
        "ENV_NAME": env,
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "LOG_FORMAT": _choice("LOG_FORMAT", "json" if env == "production" else "text", ("text", "json")),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Always Secure in production; elsewhere Secure on every HTTPS request (smartcities/proxy.py).
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes"),
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
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "th"),
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "text/csv", "application/javascript", "application/json",
            "application/geo+json", "application/feed+json", "application/problem+json",
        ],
    }


def _database_url(env: str, instance: Path) -> str:
    """DATABASE_URL; in production it must be given, and be PostgreSQL unless ALLOW_SQLITE=1 allows SQLite."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if env != "production":
        return url or f"sqlite:///{instance / 'smartcities.db'}"
    if not url:
        raise ConfigError("DATABASE_URL must be set when SMARTCITIES_ENV=production, e.g. "
                          "DATABASE_URL=postgresql://ascn@/ascn; production does not fall back to a SQLite file")
    backend = url.split(":", 1)[0].split("+", 1)[0].lower()
    if backend == "sqlite" and not _flag("ALLOW_SQLITE", False):
        raise ConfigError("DATABASE_URL is a SQLite database, but SMARTCITIES_ENV=production runs on PostgreSQL "
                          "(postgresql://...); set ALLOW_SQLITE=1 to run on SQLite anyway (one machine, one writer)")
    if backend not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL (postgresql://user@host/name), not {backend}:...")
    return url
