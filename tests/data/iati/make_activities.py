"""Writes activities.xml (an IATI 2.03 activities file of 240 activities) and expected.json (what an import
must do with each) from the seed's cities.csv; deterministic. Run: .venv/bin/python tests/data/iati/make_activities.py

The file mixes what partners publish: activities in ASCN cities (located points a few km from the centre,
several sites, or no point but the city in the title), elsewhere in ASEAN (more than 80 km from every member
city, or in Timor-Leste, which has none), outside ASEAN, cancelled ones, Thai and Vietnamese narratives, no
budget, budgets in two currencies. Reporting organisations' refs other than ADB's and the World Bank's are
illustrative, not checked against the IATI registry.
"""
from __future__ import annotations

import csv
import json
import math
import random
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
CITIES = HERE.parents[2] / "smartcities" / "data" / "cities.csv"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
REPORTERS = [("XM-DAC-46004", "Asian Development Bank", "40"), ("XM-DAC-44000", "World Bank", "40"),
             ("XM-DAC-701-8", "Japan International Cooperation Agency", "10"),
             ("XM-DAC-742-1", "Korea International Cooperation Agency", "10"),
             ("XM-DAC-6-4", "Agence Fran\u00e7aise de D\u00e9veloppement", "10"),
             ("GB-CHC-202918", "Oxfam GB", "21")]
IMPLEMENTERS = ["Department of Public Works", "City Water Utility", "Siam Cement", "Urban Mobility Agency",
                "PT Telkom Indonesia Tbk", "Viettel Group", "Metro Transit Authority", "Smart City Office"]
THEMES = [("Flood early warning sensors", "civic-and-social"), ("Bus rapid transit signal priority",
          "built-infrastructure"), ("Air quality monitoring network", "quality-environment"),
          ("Telemedicine for district clinics", "health-and-well-being"), ("CCTV and emergency command centre",
          "safety-and-security"), ("Start-up innovation hub", "industry-and-innovation")]
OUTSIDE = [("KE", -1.2864, 36.8172), ("IN", 19.0760, 72.8777), ("BD", 23.8103, 90.4125), ("NP", 27.7172, 85.3240)]
# Places in ASEAN more than 80 km from every member city (checked below).
FAR = [("ID", 0.5071, 101.4478, "Pekanbaru"), ("VN", 12.2388, 109.1967, "Nha Trang"), ("TH", 7.0086, 100.4747,
       "Hat Yai"), ("PH", 10.7202, 122.5621, "Iloilo City"), ("LA", 15.1202, 105.7990, "Pakse")]
THAI_TITLE = "ระบบเตือนภัยน้ำท่วม"  # flood warning system
VIET_TITLE = "H\u1ec7 th\u1ed1ng c\u1ea3nh b\u00e1o ng\u1eadp l\u1ee5t \u0111\u00f4 th\u1ecb"


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (the test's expectations keep a margin of 30 km over the 50 km rule)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def member_cities() -> list[dict]:
    with open(CITIES, encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["joined_year"]]
    return [{"name": r["name"], "local": r["local_name"], "country": r["country_iso2"], "lat": float(r["latitude"]),
             "lon": float(r["longitude"])} for r in rows]


def sub(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def narrative(parent, tag, text, lang=None, **attrs):
    element = sub(parent, tag, **attrs)
    node = sub(element, "narrative", text)
    if lang:
        node.set(XML_LANG, lang)
    return element


def activity(root, rng, number, reporter, title, countries, points, status="2", budget=True, lang_title=None):
    ref, name, kind = reporter
    identifier = f"{ref}-A{number:04d}"
    act = sub(root, "iati-activity", last_updated_datetime="2025-11-01T00:00:00Z", default_currency="USD")
    act.set(XML_LANG, "en")
    sub(act, "iati-identifier", identifier)
    narrative(act, "reporting-org", name, ref=ref, type=kind)
    element = narrative(act, "title", title)
    if lang_title:
        node = sub(element, "narrative", lang_title[1])
        node.set(XML_LANG, lang_title[0])
    narrative(act, "description", f"{title}: designed with the city and its residents.", type="1")
    narrative(act, "participating-org", name, ref=ref, role="1", type=kind)
    narrative(act, "participating-org", rng.choice(IMPLEMENTERS), role="4", type="70")
    sub(act, "activity-status", code=status)
    start = 2023 + rng.randrange(3)
    sub(act, "activity-date", type="1", iso_date=f"{start}-0{rng.randrange(1, 10)}-01")
    sub(act, "activity-date", type="3", iso_date=f"{start + 2 + rng.randrange(3)}-12-31")
    for code in countries:
        sub(act, "recipient-country", code=code, percentage=str(100 // len(countries)))
    for n, (lat, lon, site_name) in enumerate(points, start=1):
        location = sub(act, "location", ref=f"{identifier}-{n}")
        sub(location, "location-reach", code="1")
        if site_name:
            narrative(location, "name", site_name)
        point = sub(location, "point", srsName="http://www.opengis.net/def/crs/EPSG/0/4326")
        sub(point, "pos", f"{lat:.5f} {lon:.5f}")
    sub(act, "sector", vocabulary="1", code="43030", percentage="100")
    if budget:
        for part in range(1 + (number % 3 == 0)):  # some activities have two budget periods
            b = sub(act, "budget", type="1", status="2")
            sub(b, "period-start", iso_date=f"{start + part}-01-01")
            sub(b, "period-end", iso_date=f"{start + part}-12-31")
            currency = "EUR" if budget == "mixed" and part == 1 else "USD"
            sub(b, "value", str(250_000 * (1 + number % 7)), currency=currency, value_date=f"{start}-01-01")
    return identifier


def main() -> None:
    rng = random.Random(20261203)
    cities = member_cities()
    root = ET.Element("iati-activities", {"version": "2.03", "generated-datetime": "2025-11-01T00:00:00Z"})
    expected: dict[str, str] = {}
    number = 0

    def add(outcome: str, *args, **kwargs) -> None:
        nonlocal number
        number += 1
        expected[activity(root, rng, number, rng.choice(REPORTERS), *args, **kwargs)] = outcome

    for n in range(150):  # in a member city: one to four points within about 15 km of its centre
        city = cities[n % len(cities)]
        theme, _area = THEMES[n % len(THEMES)]
        points = [(city["lat"] + rng.uniform(-0.1, 0.1), city["lon"] + rng.uniform(-0.1, 0.1),
                   f"Site {k + 1}" if k % 2 == 0 else None) for k in range(1 + n % 4)]
        lang = {"TH": ("th", THAI_TITLE), "VN": ("vi", VIET_TITLE)}.get(city["country"])
        budget = False if n % 10 == 0 else ("mixed" if n % 25 == 1 else True)
        add(f"kept:{city['name']}", f"{theme}, phase {n // 6 + 1}", [city["country"]], points, budget=budget,
            lang_title=lang)
    for n in range(20):  # no point, the city in the title
        city = cities[(n * 5) % len(cities)]
        add(f"kept:{city['name']}", f"{city['name']} {THEMES[n % 6][0].lower()}", [city["country"]], [])
    for n in range(25):  # elsewhere in ASEAN
        country, lat, lon, place = FAR[n % len(FAR)]
        assert min(km((lat, lon), (c["lat"], c["lon"])) for c in cities) > 80, place
        add("skipped:no ASCN city near", f"{place} rural water supply {n}", [country], [(lat, lon, place)])
    for n in range(5):  # Timor-Leste: an ASEAN member without an ASCN city
        add("skipped:no ASCN city named", f"Dili coastal resilience {n}", ["TL"], [])
    for n in range(30):  # outside ASEAN
        country, lat, lon = OUTSIDE[n % len(OUTSIDE)]
        add("skipped:outside ASEAN", f"Urban sanitation programme {n}", [country], [(lat + 0.01 * n, lon, None)])
    for n in range(10):  # cancelled in a member city
        city = cities[n]
        add("skipped:cancelled", f"Cancelled {THEMES[n % 6][0].lower()}", [city["country"]],
            [(city["lat"], city["lon"], None)], status="5")
    ET.indent(root)
    (HERE / "activities.xml").write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{number} activities")


if __name__ == "__main__":
    main()
