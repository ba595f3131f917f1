"""Languages: the Thai catalogue is complete and compiles, and pages render in Thai when asked."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "smartcities" / "translations"
THAI_PO = TRANSLATIONS / "th" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def thai():
    with THAI_PO.open("rb") as handle:
        return read_po(handle, locale="th")


def test_thai_catalogue_has_no_untranslated_or_fuzzy_entries(thai):
    messages = [m for m in thai if m.id]
    assert len(messages) > 150
    assert [m.id for m in messages if not m.string] == []
    assert [m.id for m in messages if m.fuzzy] == []
    assert not thai.fuzzy


def test_thai_translations_keep_every_placeholder(thai):
    for message in (m for m in thai if m.id):
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_thai_catalogue_compiles(thai, tmp_path):
    with (tmp_path / "messages.mo").open("wb") as handle:
        write_mo(handle, thai)
    assert (tmp_path / "messages.mo").stat().st_size > 1000


def test_thai_catalogue_covers_the_interface_strings(thai):
    ids = {m.id for m in thai}
    for text in ("Map", "Cities", "Statistics", "Showing {shown} of {total} projects", "Safety and Security",
                 "Plans that cover this city", "Funding committed per partner (%(currency)s)"):
        assert text in ids


def get(client, url: str, **kwargs) -> str:
    """A page as text."""
    return client.get(url, **kwargs).get_data(as_text=True)


def test_home_page_renders_in_thai_and_the_choice_is_kept(client):
    html = get(client, "/?lang=th")
    assert '<html lang="th">' in html
    assert "โครงการเมืองอัจฉริยะในอาเซียน" in html and "ความปลอดภัยและความมั่นคง" in html
    strings = json.loads(html.split('<script type="application/json" id="map-strings">', 1)[1].split("</script>")[0])
    assert strings["count"] == "แสดง {shown} จาก {total} โครงการ" and strings["roles"]["funding"] == "ผู้ให้ทุน"
    assert '<option value="TH">ไทย</option>' in html and '<option value="VN">เวียดนาม</option>' in html
    later = get(client, "/cities")
    assert "เมืองในเครือข่าย ASCN" in later and "กรุงเทพมหานคร" in later
    assert '<h2 id="country-KH-heading">กัมพูชา' in later
    assert "ASCN cities" in get(client, "/cities?lang=en")


def test_browser_language_is_used_without_a_choice(client):
    html = get(client, "/stats", headers={"Accept-Language": "th-TH,th;q=0.9,en;q=0.5"})
    assert "จำนวนโครงการแยกตามประเทศ" in html and "<th scope=\"row\">ไทย</th>" in html
    assert "Projects per country" in get(client, "/stats")
