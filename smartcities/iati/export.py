"""IATI 2.03 activities from published projects: a pure builder of xml.etree elements (no Flask, no database).

Children of iati-activity are written in the order of the schema's xsd:sequence
(iati-activities-schema.xsd, version 2.03); codes come from the IATI 2.03 code lists, cited where used
(https://iatistandard.org/en/iati-standard/203/codelists/).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcities.projects.models import Project

IATI_VERSION = "2.03"
DEFAULT_LANG = "en"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"  # serialised as xml:lang
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"

# OrganisationRole: 1 Funding, 2 Accountable, 3 Extending, 4 Implementing (the roles the portal stores).
ROLE_CODES = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"}
# OrganisationType: 10 Government, 11 Local Government, 22 National NGO, 40 Multilateral, 60 Foundation,
# 70 Private Sector, 80 Academic, Training and Research, 90 Other. "civil_society" has no exact code; 22 (National
# NGO) is the closest for the city-level groups the portal records. "other" means "not yet classified", so it
# gets no @type rather than a guess (90 would claim a classification).
ORGANISATION_TYPES = {
    "government": "10", "local_government": "11", "civil_society": "22", "multilateral": "40",
    "foundation": "60", "private": "70", "academic": "80",
}
# The network is an ASEAN (intergovernmental) initiative: OrganisationType 40 Multilateral.
REPORTING_ORG_TYPE = "40"
# ActivityStatus: 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed. "completed" here means
# the physical work is done; the portal does not record financial sign-off or that no more reporting is due,
# which is what 4 (Closed) asserts, so it maps to 3 (Finalisation).
STATUS_CODES = {"concept": "1", "planning": "1", "implementation": "2", "completed": "3"}
# ActivityDateType: 1 Planned start, 3 Planned end.
PLANNED_START, PLANNED_END = "1", "3"
# SectorVocabulary: 7 SDG Goal, 99 Reporting Organisation (the focus areas are the network's own list).
SDG_GOAL, OWN_VOCABULARY, SUSTAINABLE_CITIES = "7", "99", "11"
# OtherIdentifierType A9 Other Activity Identifier: the iati-identifier of the activity a project was imported from.
OTHER_ACTIVITY_IDENTIFIER = "A9"
# DescriptionType 1 General; BudgetType 1 Original; BudgetStatus 1 Indicative (a plan, not a commitment);
# GeographicLocationReach 1 Activity (where the activity happens).
GENERAL, ORIGINAL, INDICATIVE, ACTIVITY_REACH = "1", "1", "1", "1"

# Characters XML 1.0 cannot carry at all (NUL, other C0 controls, lone surrogates, U+FFFE/U+FFFF).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Scripts whose text is certainly not English, to label a narrative with its language (BCP 47 / ISO 639-1).
SCRIPTS = (("th", re.compile("[\u0e00-\u0e7f]")), ("lo", re.compile("[\u0e80-\u0eff]")),
           ("km", re.compile("[\u1780-\u17ff]")), ("my", re.compile("[\u1000-\u109f]")))
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Reporter:
    """Who publishes: the reporting organisation's IATI ref and name, and the portal's base URL."""

    ref: str
    name: str
    base_url: str

    @property
    def focus_area_vocabulary(self) -> str:
        return f"{self.base_url}/api/v1/focus-areas"


@dataclass(frozen=True)
class Site:
    """One place a project happens, as an IATI location names it."""

    latitude: float
    longitude: float
    name: str


@dataclass(frozen=True)
class DocumentLink:
    """One document of a project as an IATI document-link: where it is, its type, title and codes."""

    url: str
    format: str  # IANA media type (IATI FileFormat)
    title: str
    category: str  # IATI DocumentCategory
    language: str  # ISO 639-1
    document_date: date | None = None


def clean(text: str | None) -> str:
    """Text XML 1.0 can carry: characters it forbids are dropped (escaping is the serialiser's job)."""
    return NOT_XML.sub("", text or "").strip()


def language_of(text: str) -> str:
    """The language of text written mostly in a script only one ASEAN language uses, else the default."""
    letters = len(LETTER.findall(text))
    for code, script in SCRIPTS:
        if letters and len(script.findall(text)) * 2 > letters:
            return code
    return DEFAULT_LANG


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})


def _narrative(parent: ET.Element, text: str) -> ET.Element:
    element = _sub(parent, "narrative")
    element.text = clean(text)
    language = language_of(element.text)
    if language != DEFAULT_LANG:
        element.set(XML_LANG, language)
    return element


def _iso_datetime(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # stored naive timestamps are UTC
    return aware.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _money(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else value, "f")


def _percentages(count: int) -> list[str]:
    """`count` shares of 100 with two decimals that add up to exactly 100 (IATI's rule per vocabulary)."""
    share = (Decimal(100) / count).quantize(Decimal("0.01"))
    return [str(share)] * (count - 1) + [str(Decimal(100) - share * (count - 1))]


def identifier(project: Project, reporter: Reporter) -> str:
    """The activity's iati-identifier: the reporting organisation's ref, a hyphen, the project id."""
    return f"{reporter.ref}-{project.id}"


def sites(project: Project) -> list[Site]:
    """The project's sites in order, each with its own name, else its city's."""
    return [Site(site.latitude, site.longitude, site.name or project.city.name) for site in project.sites]


def activity(project: Project, reporter: Reporter, documents: Sequence[DocumentLink] = ()) -> ET.Element:
    """One published project as an iati-activity element, with its documents as document-link."""
    root = ET.Element("iati-activity", {"last-updated-datetime": _iso_datetime(project.updated_at),
                                        XML_LANG: DEFAULT_LANG})
    if project.currency:
        root.set("default-currency", project.currency)
    _sub(root, "iati-identifier").text = clean(identifier(project, reporter))
    _narrative(_sub(root, "reporting-org", ref=clean(reporter.ref), type=REPORTING_ORG_TYPE), reporter.name)
    _narrative(_sub(root, "title"), project.title)
    _narrative(_sub(root, "description", type=GENERAL),
               clean(project.description) or clean(project.summary) or project.title)
    _participants(root, project)
    if project.iati_identifier:  # imported from another publisher's file: point back to that activity
        _sub(root, "other-identifier", ref=clean(project.iati_identifier), type=OTHER_ACTIVITY_IDENTIFIER)
    _sub(root, "activity-status", code=STATUS_CODES[project.stage])
    _dates(root, project)
    _sub(root, "recipient-country", code=project.city.country_code)
    for number, site in enumerate(sites(project), 1):
        location = _sub(root, "location", ref=f"{identifier(project, reporter)}-{number}")
        _sub(location, "location-reach", code=ACTIVITY_REACH)
        _narrative(_sub(location, "name"), site.name)
        point = _sub(location, "point", srsName=WGS84)
        _sub(point, "pos").text = f"{site.latitude:.6f} {site.longitude:.6f}"  # GML order: latitude first
    _sectors(root, project, reporter)
    _budget(root, project)
    _document_links(root, documents)
    return root


def _participants(root: ET.Element, project: Project) -> None:
    for participation in project.participations:
        organisation = participation.organisation
        element = _sub(root, "participating-org", role=ROLE_CODES[participation.role])
        if organisation.kind in ORGANISATION_TYPES:
            element.set("type", ORGANISATION_TYPES[organisation.kind])
        _narrative(element, organisation.name)
    if not project.participations:  # the schema wants one; the city owns its project and answers for it
        _narrative(_sub(root, "participating-org", role=ROLE_CODES["accountable"],
                        type=ORGANISATION_TYPES["local_government"]), project.city.name)


def _dates(root: ET.Element, project: Project) -> None:
    if project.start_date:
        _sub(root, "activity-date", type=PLANNED_START, iso_date=project.start_date.isoformat())
    elif project.end_date is None:
        # The schema wants at least one activity-date; say plainly which date this is rather than invent one.
        published = (project.published_at or project.updated_at).date()
        element = _sub(root, "activity-date", type=PLANNED_START, iso_date=published.isoformat())
        _narrative(element, "No start date given yet; this is the date the project was published on the portal.")
    if project.end_date:
        _sub(root, "activity-date", type=PLANNED_END, iso_date=project.end_date.isoformat())


def _sectors(root: ET.Element, project: Project, reporter: Reporter) -> None:
    areas = list(project.focus_areas)
    for area, percentage in zip(areas, _percentages(len(areas)) if areas else []):
        element = _sub(root, "sector", vocabulary=OWN_VOCABULARY, vocabulary_uri=reporter.focus_area_vocabulary,
                       code=area.slug, percentage=percentage)
        _narrative(element, area.name)
    sdg = _sub(root, "sector", vocabulary=SDG_GOAL, code=SUSTAINABLE_CITIES, percentage="100")
    _narrative(sdg, "Sustainable cities and communities")


def _budget(root: ET.Element, project: Project) -> None:
    """The project's budget over its whole period, when it has an amount, a currency and both dates."""
    start, end = project.start_date, project.end_date
    if project.budget_amount is None or not project.currency or start is None or end is None:
        return
    budget = _sub(root, "budget", type=ORIGINAL, status=INDICATIVE)
    _sub(budget, "period-start", iso_date=start.isoformat())
    _sub(budget, "period-end", iso_date=end.isoformat())
    value = _sub(budget, "value", currency=project.currency, value_date=start.isoformat())
    value.text = _money(project.budget_amount)


def _document_links(root: ET.Element, documents: Sequence[DocumentLink]) -> None:
    """document-link after budget (the schema's order); its children in theirs: title, category, language, date."""
    for document in documents:
        element = _sub(root, "document-link", url=clean(document.url), format=clean(document.format))
        _narrative(_sub(element, "title"), document.title)
        _sub(element, "category", code=document.category)
        _sub(element, "language", code=document.language)
        if document.document_date:
            _sub(element, "document-date", iso_date=document.document_date.isoformat())


def activities(projects: list[Project], reporter: Reporter, generated: datetime,
               documents: Mapping[int, Sequence[DocumentLink]] | None = None) -> ET.Element:
    """The iati-activities document of the given projects.

    The schema wants at least one iati-activity; a filter matching nothing still answers a well-formed, empty
    iati-activities element (an empty list is the honest answer), which a schema validator would refuse.
    """
    root = ET.Element("iati-activities", {"version": IATI_VERSION, "generated-datetime": _iso_datetime(generated)})
    root.extend(activity(project, reporter, (documents or {}).get(project.id, ())) for project in projects)
    return root


def to_bytes(root: ET.Element) -> bytes:
    """UTF-8 XML with a declaration, indented for people reading it."""
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
