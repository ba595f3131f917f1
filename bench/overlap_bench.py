"""Times the overlap engine at portal scale and reports its accuracy on the labelled cases.

Builds a synthetic index of 500 plans / 3,000 initiatives / 20,000 projects over the reference cities
(seeded, multi-language text drawn from the concept lexicon and everyday project wording), times the
build, the index's memory and at least 500 checks (p50/p95/max), writes the index as a saved copy and loads it
in a fresh process (what a starting worker pays), then evaluates the labelled set in tests/data.
Run from the repo root: .venv/bin/python bench/overlap_bench.py [--checks 1000] [--seed 42] [--projects 100000]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartcities.overlap.engine import Draft, InitiativeDoc, OverlapIndex, PlanDoc, ProjectDoc  # noqa: E402
from smartcities.overlap.engine.embedder import load_embedder  # noqa: E402
from smartcities.overlap.engine.evaluation import evaluate, plan_docs_from_plan_file  # noqa: E402
from smartcities.overlap.engine.lexicon import CONCEPTS  # noqa: E402
from smartcities.text import slugify  # noqa: E402

FOCUS_AREAS = ("Civic and Social", "Health and Well-being", "Safety and Security", "Quality Environment",
               "Built Infrastructure", "Industry and Innovation")
PARTNERS = [f"{kind} {n}" for kind in ("Development Bank", "Foundation", "Agency", "Company", "University")
            for n in range(1, 9)]
# Everyday wording of project descriptions, per script: what a real registry is mostly made of.
GENERIC = {
    "latin": "install network residents district monitoring sensors operations data public services "
             "maintenance coverage users stations citywide ward pilot dashboard mobile access local "
             "community schools roads market officials capacity budget contractor survey".split(),
    "vi": "lắp đặt người dân phường quận dữ liệu dịch vụ giám sát cộng đồng trường học đường phố bệnh viện "
          "ngân sách văn phòng điện thoại mạng lưới người dùng chính quyền cán bộ".split(),
    "bahasa": "pemasangan warga kelurahan layanan pemantauan masyarakat sekolah jalan pasar petugas rumah "
              "sakit anggaran kantor telepon jaringan pengguna pemerintah desa".split(),
    "th": "ติดตั้ง ประชาชน ชุมชน เขต ข้อมูล บริการ โรงเรียน ถนน ตลาด เจ้าหน้าที่ โรงพยาบาล หมู่บ้าน "
          "งบประมาณ สำนักงาน โทรศัพท์ เครือข่าย ผู้ใช้งาน รัฐบาล".split(),
    "km": "ប្រជាពលរដ្ឋ សង្កាត់ ទិន្នន័យ សេវា សាលារៀន ផ្លូវ ផ្សារ មន្ទីរពេទ្យ ភូមិ ខណ្ឌ ថវិកា ការិយាល័យ "
          "ទូរស័ព្ទ បណ្តាញ អ្នកប្រើប្រាស់ សហគមន៍ រដ្ឋបាល".split(),
    "lo": "ປະຊາຊົນ ບ້ານ ຂໍ້ມູນ ບໍລິການ ໂຮງຮຽນ ຖະໜົນ ຕະຫຼາດ ໂຮງໝໍ ແຂວງ ງົບປະມານ ຫ້ອງການ ໂທລະສັບ "
          "ເຄືອຂ່າຍ ຊຸມຊົນ ລັດຖະບານ ວຽກງານ".split(),
    "my": "ပြည်သူ ရပ်ကွက် အချက်အလက် ဝန်ဆောင်မှု ကျောင်း လမ်း ဈေး ဆေးရုံ ကျေးရွာ မြို့နယ် ဘတ်ဂျက် ရုံး "
          "ဖုန်း ကွန်ရက် အစိုးရ လုပ်ငန်း".split(),
}
# Letters to make up names (streets, wards, vendors) from: real descriptions are full of them.
LETTERS = {
    "latin": ("bdgklmnprstv", "aeiou"), "vi": ("bdghklmnstv", "aăâeêioôơuư"),
    "bahasa": ("bdgjklmnprst", "aeiou"),
    "th": ("กขคงจชซดตทนบปพมยรลวสห", "ะาิีุูเแโ"), "lo": ("ກຂຄງຈສຊຍດຕຖທນບປພມຢລວຫ", "ະາິີຸູເແໂ"),
    "km": ("កខគងចជញដណតថទនបពមយរលវសហ", "ាិីុូេែៃោ"), "my": ("ကခဂငစဆဇညတထဒနပဖဗဘမယရလဝသဟ", "ာိီုူေဲ"),
}
LOCAL = {"TH": "th", "VN": "vi", "KH": "km", "LA": "lo", "MM": "my", "ID": "bahasa", "MY": "bahasa",
         "BN": "bahasa"}
SCRIPTS = {"th": ("\u0e00", "\u0e7f"), "lo": ("\u0e80", "\u0eff"), "km": ("\u1780", "\u17ff"),
           "my": ("\u1000", "\u109f")}


def _script(term: str) -> str:
    for name, (low, high) in SCRIPTS.items():
        if any(low <= ch <= high for ch in term):
            return name
    return "latin" if term.isascii() else "vi"


def _vocabulary() -> list[dict[str, list[str]]]:
    """Per concept, its terms by script ("latin" holds English and Bahasa)."""
    topics = []
    for _, label, terms in CONCEPTS:
        by_script: dict[str, list[str]] = {}
        for term in [label, *(t.strip() for t in terms.split(";") if t.strip())]:
            by_script.setdefault(_script(term), []).append(term)
        topics.append(by_script)
    return topics


def load_cities() -> dict[str, tuple[str, str, float, float]]:
    """slug -> (slug, country, lat, lon) of the reference cities."""
    with open(ROOT / "smartcities" / "data" / "cities.csv", encoding="utf-8") as handle:
        return {slugify(row["name"]): (slugify(row["name"]), row["country_iso2"], float(row["latitude"]),
                                       float(row["longitude"])) for row in csv.DictReader(handle)}


class Generator:
    """Seeded synthetic plans, projects and drafts."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.topics = _vocabulary()
        self.cities = load_cities()
        self.by_country: dict[str, list[str]] = {}
        for slug, (_, country, _, _) in self.cities.items():
            self.by_country.setdefault(country, []).append(slug)

    def words(self, country: str, generic: int) -> tuple[str, str]:
        """A title and a text about one to three topics, in the local language 40% of the time."""
        rng = self.rng
        language = LOCAL.get(country, "latin") if rng.random() < 0.4 else "latin"
        pieces = []
        for topic in rng.sample(self.topics, k=rng.choice((1, 1, 2, 3))):
            terms = topic.get(language if language != "bahasa" else "latin") or topic["latin"]
            pieces += rng.choices(terms, k=3)
        pieces += rng.choices(GENERIC[language], k=generic)
        pieces += [self.name(language) for _ in range(rng.randint(2, 6))]
        rng.shuffle(pieces)
        if language in SCRIPTS:  # no spaces between words, a space between phrases of a few words
            pieces = ["".join(pieces[i:i + 3]) for i in range(0, len(pieces), 3)]
        return " ".join(pieces[:2]), " ".join(pieces[2:])

    def name(self, language: str) -> str:
        """A made-up proper name in the language's script."""
        consonants, vowels = LETTERS[language]
        return "".join(self.rng.choice(consonants) + self.rng.choice(vowels)
                       for _ in range(self.rng.randint(2, 3)))

    def focus(self) -> frozenset[str]:
        """One to three focus areas."""
        return frozenset(self.rng.sample(FOCUS_AREAS, k=self.rng.choice((1, 1, 2, 3))))

    def dates(self) -> tuple[date | None, date | None]:
        """A project period of one to four years from 2018 on; one in ten has none."""
        if self.rng.random() < 0.1:
            return None, None
        start = date(self.rng.randint(2018, 2030), self.rng.randint(1, 12), 1)
        return start, date(start.year + self.rng.randint(0, 3), 12, 31)

    def plans(self, n: int, initiatives: int) -> list[PlanDoc]:
        """National plans (two in five) and city plans spread over the countries, some open-ended."""
        plans = []
        countries = sorted(self.by_country)
        for number in range(n):
            country = countries[number % len(countries)]
            city = self.rng.choice(self.by_country[country]) if number % 5 >= 2 else None
            start = self.rng.randint(2014, 2025)
            docs = []
            for position in range(initiatives):
                title, text = self.words(country, 12)
                docs.append(InitiativeDoc(id=number * initiatives + position + 1, title=title, description=text,
                                          focus_areas=self.focus() if self.rng.random() < 0.5 else frozenset()))
            plans.append(PlanDoc(plan_id=f"bench-{number}", title=f"Plan {number}", country=country,
                                 level="city" if city else "national", city=city, start_year=start,
                                 end_year=None if self.rng.random() < 0.3 else start + self.rng.randint(3, 15),
                                 focus_areas=self.focus(), summary="", initiatives=tuple(docs)))
        return plans

    def place(self, slug: str) -> tuple[float | None, float | None]:
        """A point a few kilometres around the city centre; one in ten has no location."""
        if self.rng.random() < 0.1:
            return None, None
        _, _, lat, lon = self.cities[slug]
        return lat + self.rng.gauss(0, 0.04), lon + self.rng.gauss(0, 0.04)

    def projects(self, n: int) -> list[ProjectDoc]:
        """Registered projects spread over the cities."""
        slugs = sorted(self.cities)
        projects = []
        for number in range(1, n + 1):
            slug = self.rng.choice(slugs)
            country = self.cities[slug][1]
            title, text = self.words(country, 30)
            start, end = self.dates()
            lat, lon = self.place(slug)
            partners = frozenset(self.rng.sample(PARTNERS, k=self.rng.choice((0, 1, 1, 2))))
            projects.append(ProjectDoc(id=number, title=title, text=text, city=slug, country=country,
                                       focus_areas=self.focus(), start=start, end=end, lat=lat, lon=lon,
                                       partners=partners))
        return projects

    def draft(self, projects: list[ProjectDoc]) -> Draft:
        """A new draft; three in ten repeat a registered project's text (the duplicates to catch)."""
        if self.rng.random() < 0.3:
            source = self.rng.choice(projects)
            slug, title, text = source.city, source.title, source.text
        else:
            slug = self.rng.choice(sorted(self.cities))
            title, text = self.words(self.cities[slug][1], 30)
        start, end = self.dates()
        lat, lon = self.place(slug) if self.rng.random() < 0.5 else (None, None)
        return Draft(title=title, text=text, city=slug, country=self.cities[slug][1], focus_areas=self.focus(),
                     start=start, end=end, lat=lat, lon=lon,
                     partners=frozenset(self.rng.sample(PARTNERS, k=self.rng.choice((0, 1)))))


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_speed(args: argparse.Namespace) -> None:
    """Build the synthetic index, time the checks and a batch of updates."""
    gen = Generator(args.seed)
    plans = gen.plans(args.plans, args.initiatives)
    projects = gen.projects(args.projects)
    coords = {slug: (lat, lon) for slug, (_, _, lat, lon) in gen.cities.items()}
    index = OverlapIndex(radius_km=5.0, city_coords=coords, embedder=load_embedder(args.embedder))
    before = rss_mb()
    started = time.perf_counter()
    for plan in plans:
        index.upsert_plan(plan)
    for project in projects:
        index.upsert_project(project)
    build = time.perf_counter() - started
    print(f"index: {len(plans)} plans, {sum(len(p.initiatives) for p in plans)} initiatives, "
          f"{len(projects)} projects over {len(gen.cities)} cities; build {build:.1f} s "
          f"({(len(plans) * args.initiatives + len(projects)) / build:,.0f} documents/s); "
          f"RSS {rss_mb() - before:+.0f} MB")
    drafts = [gen.draft(projects) for _ in range(args.checks)]
    timings, cpu, flags, compared = [], [], 0, 0
    for draft in drafts:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = index.check(draft)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        flags += len(result.flags)
        compared += result.checked["initiatives"] + result.checked["projects"]
    # CPU time as well: on a shared machine wall time also measures the neighbours.
    for name, values in (("wall", timings), ("cpu", cpu)):
        print(f"checks ({name}): {len(values)}  p50 {percentile(values, 0.5):.1f} ms  "
              f"p95 {percentile(values, 0.95):.1f} ms  max {max(values):.1f} ms  "
              f"mean {statistics.mean(values):.1f} ms")
    print(f"        {compared / len(drafts):.0f} candidates compared, {flags / len(drafts):.1f} flags per check")
    started = time.perf_counter()
    for project in projects[:1000]:
        index.upsert_project(project)
    print(f"updates: re-upsert of 1,000 projects {(time.perf_counter() - started):.2f} s")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    bench_saved_copy(index)


def rss_mb() -> float:
    """This process's resident memory now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


# What a worker starting from a saved copy does (smartcities/overlap/snapshots.py): unpickle the index.
LOAD = """
import pickle, sys, time
sys.path.insert(0, sys.argv[2])
import smartcities.overlap.engine
from overlap_bench import rss_mb
before, started = rss_mb(), time.perf_counter()
with open(sys.argv[1], "rb") as file:
    pickle.load(file)
print(f"loaded by a fresh process in {time.perf_counter() - started:.2f} s, RSS {rss_mb() - before:+.0f} MB")
"""


def bench_saved_copy(index: OverlapIndex) -> None:
    """Write the index as a saved copy and load it in a fresh process: what a starting worker pays."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.pickle"
        started = time.perf_counter()
        with path.open("wb") as file:
            pickle.dump(index, file, protocol=pickle.HIGHEST_PROTOCOL)
        written = time.perf_counter() - started
        loaded = subprocess.run([sys.executable, "-c", LOAD, str(path), str(ROOT / "bench")], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        print(f"saved copy: {path.stat().st_size / 1e6:.0f} MB written in {written:.1f} s; {loaded}")


def bench_accuracy() -> None:
    """Precision, recall and F1 on the labelled set, overall and per category."""
    cities = load_cities()

    def lookup(name: str) -> tuple[str, str]:
        slug, country, _, _ = cities[slugify(name)]
        return slug, country

    data = ROOT / "tests" / "data"
    plan_file = json.loads((data / "overlap_plans.json").read_text(encoding="utf-8"))
    plans = plan_docs_from_plan_file(plan_file, lookup)
    cases = json.loads((data / "overlap_cases.json").read_text(encoding="utf-8"))["cases"]
    report = evaluate(plans, cases, lookup)
    print(f"\nlabelled set: {len(plans)} plans, {len(cases)} cases")
    print(f"{'category':42} {'cases':>5} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for name, m in [*report["categories"].items(), ("overall", report["overall"])]:
        print(f"{name:42} {m['cases']:5} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} "
              f"{m['tp']:4} {m['fp']:3} {m['fn']:3}")
    for miss in report["misses"]:
        print(f"  miss {miss['id']}: expected {miss['expected']}, flagged {miss['got']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=500)
    parser.add_argument("--initiatives", type=int, default=6, help="per plan")
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--embedder", default="e5", help="sentence model: e5 or none (as OVERLAP_EMBEDDER)")
    args = parser.parse_args()
    bench_speed(args)
    bench_accuracy()


if __name__ == "__main__":
    main()
