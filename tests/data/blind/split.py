"""Splits the blind cases once into a development part and a frozen test part, by a hash of each case's id.

The rule was fixed before any case was read: a case whose id's SHA-256 begins with an even byte is a test case.
Only dev_cases.json may be used to tune the engine (bench/fit_overlap.py reads it); test_cases.json is scored,
never tuned on. Run once: python tests/data/blind/split.py (from the repository root).
"""
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def is_test(case_id: str) -> bool:
    return hashlib.sha256(case_id.encode("utf-8")).digest()[0] % 2 == 0


def main() -> None:
    cases = [case for part in sorted(HERE.glob("part_*.json"))
             for case in json.loads(part.read_text(encoding="utf-8"))["cases"]]
    for name, keep in (("dev_cases.json", False), ("test_cases.json", True)):
        chosen = [case for case in cases if is_test(case["id"]) == keep]
        (HERE / name).write_text(json.dumps({"cases": chosen}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(name, len(chosen))


if __name__ == "__main__":
    main()
