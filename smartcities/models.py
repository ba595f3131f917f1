"""Every model, imported in one place so the metadata is complete for Alembic and the CLI."""
from smartcities.accounts.models import User
from smartcities.audit.models import AuditEvent
from smartcities.documents.models import Document
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Follow, Interest, Organisation, OrganisationName
from smartcities.matching.models import MatchSuggestion
from smartcities.notifications.models import (
    Event, Notification, NotificationPreference, NotificationSettings, TopicFollow, WebhookDelivery, WebhookEndpoint,
)
from smartcities.overlap.models import OverlapFlag, PlanRecheck
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.public_version import PublicVersion
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, ProjectRevision, ProjectSite

__all__ = [
    "AuditEvent", "City", "Country", "Document", "FocusArea", "Follow", "Interest", "MatchSuggestion", "NationalPlan",
    "Organisation",
    "OrganisationName", "OverlapFlag", "PlanInitiative", "PlanRecheck", "Project", "ProjectParticipation",
    "ProjectRevision", "ProjectSite", "PublicVersion", "User",
    # notifications
    "Event", "Notification", "NotificationPreference", "NotificationSettings", "TopicFollow", "WebhookDelivery",
    "WebhookEndpoint",
]
