"""The ASEAN Smart Cities Network portal: create_app() reads like a table of contents."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import get_locale

from smartcities import config as config_module
from smartcities.errors import register_errorhandlers
from smartcities.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from smartcities.observability import register_observability
from smartcities.proxy import register_proxy
from smartcities.security import register_security

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI commands, the proxy in front."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_observability(app)
    register_metrics(app)
    register_commands(app)
    register_proxy(app)
    return app


def register_extensions(app: Flask) -> None:
    from smartcities import models  # noqa: F401  (complete metadata before Migrate binds)
    from smartcities import public_version, replica
    from smartcities.accounts.session import configure_login
    from smartcities.projects import search_index
    from smartcities.web.i18n import select_locale

    replica.install(app)  # before db.init_app, which makes the engines (smartcities/replica.py)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True,
                     include_name=search_index.compared_by_alembic)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    compress.init_app(app)
    login_manager.init_app(app)
    configure_login(login_manager)
    public_version.watch()
    search_index.watch()


def register_blueprints(app: Flask) -> None:
    """Every blueprint, explicitly: pages, the workspace, then the machine-readable endpoints."""
    from smartcities.accounts.admin import bp as admin_bp
    from smartcities.accounts.views import bp as accounts_bp
    from smartcities.api import bp as api_bp
    from smartcities.documents.api import bp as documents_api_bp
    from smartcities.documents.views import bp as documents_bp
    from smartcities.feeds import bp as feeds_bp
    from smartcities.geo.views import bp as cities_bp
    from smartcities.iati import bp as iati_bp
    from smartcities.matching.views import bp as matching_bp
    from smartcities.notifications.admin import bp as webhook_admin_bp
    from smartcities.notifications.views import bp as notifications_bp
    from smartcities.ogc import bp as ogc_bp
    from smartcities.organisations.views import bp as organisations_bp
    from smartcities.overlap.views import bp as overlap_bp
    from smartcities.plans.manage import bp as plan_admin_bp
    from smartcities.plans.views import bp as plans_bp
    from smartcities.projects.views import bp as projects_bp
    from smartcities.web.compressed_files import register_static
    from smartcities.web.vendor import bp as vendor_bp
    from smartcities.web.views import bp as web_bp

    register_static(app)

    for blueprint in (
        web_bp, vendor_bp, cities_bp, organisations_bp, plans_bp,   # public pages
        accounts_bp, admin_bp, projects_bp, plan_admin_bp,          # the workspace
        notifications_bp, webhook_admin_bp, documents_bp,
        api_bp, overlap_bp, feeds_bp, ogc_bp, iati_bp, matching_bp, # open data
        documents_api_bp,
    ):
        app.register_blueprint(blueprint)


def register_metrics(app: Flask) -> None:
    """/metrics and the request counters (after register_observability, whose start time they use)."""
    # Imported here: the gunicorn master imports this package for its settings, and prometheus_client must not be
    # loaded there before smartcities/gunicorn_config.py has given the workers PROMETHEUS_MULTIPROC_DIR.
    from smartcities.metrics import register_metrics as register

    register(app)


def register_commands(app: Flask) -> None:
    from smartcities.cli import COMMANDS
    from smartcities.documents.cli import COMMANDS as DOCUMENT_COMMANDS
    from smartcities.notifications.cli import COMMANDS as NOTIFICATION_COMMANDS

    for command in (*COMMANDS, *NOTIFICATION_COMMANDS, *DOCUMENT_COMMANDS):
        app.cli.add_command(command)
