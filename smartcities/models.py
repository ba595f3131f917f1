"""Every model, imported in one place so the metadata is complete for Alembic and the CLI."""
from smartcities.accounts.models import User
from smartcities.audit.models import AuditEvent
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Follow, Interest, Organisation, OrganisationName
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.public_version import PublicVersion
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, ProjectRevision

__all__ = [
    "AuditEvent", "City", "Country", "FocusArea", "Follow", "Interest", "NationalPlan", "Organisation",
    "OrganisationName", "OverlapFlag", "PlanInitiative", "Project", "ProjectParticipation", "ProjectRevision",
    "PublicVersion", "User",
]
