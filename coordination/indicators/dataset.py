"""The minimal dataset (record level, for national analysis; domain/indicators.md).

One row per case, no direct identifiers: a pseudonym (HMAC-SHA256 of the case id with the
region's secret: the same case keeps its pseudonym between exports, and nobody without
the secret can link it back), generalised fields only, and k-anonymity (k = 5) over the
quasi-identifiers age band, gender, ISO week and urgency, enforced by local suppression:
values of too-rare combinations are replaced by ``*`` (week first, then gender, age band,
urgency) and counted; a last group still under k is filled up with starred rows of
larger groups, or dropped when there are fewer than k rows at all. Written as CSV plus a
Frictionless `datapackage.json` (Table Schema with types and descriptions).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordination.indicators.catalogue import load_catalogue
from coordination.indicators.facts import CaseFacts

K = 5
STAR = "*"
QUASI_IDENTIFIERS = ("iso_week", "gender", "age_band", "urgency")  # order of suppression
GENDERS = ("female", "male", "other", "unknown")
INTERVENTIONS = (
    "advice_caller", "consult_referrer", "assessment_on_site", "ambulatory_crisis_care",
    "intensive_home_treatment", "crisis_admission", "emergency_department", "veilig_thuis",
    "police", "other",
)  # fmt: skip
LEGAL_ROUTES = (
    "voluntary_outpatient", "voluntary_admission", "compulsory_mental_health",
    "involuntary_care_disability", "secure_youth_care", "out_of_home_placement",
    "emergency_treatment",
)  # fmt: skip
DECISION_BANDS = ("0-15", "15-60", "60-240", "240-1440", "1440+")


def pseudonym(secret: bytes, case_id: str) -> str:
    """HMAC-SHA256(region secret, case id), hex: stable, not reversible without the key."""
    return hmac.new(secret, case_id.encode("utf-8"), hashlib.sha256).hexdigest()


def decision_band(minutes: float | None) -> str:
    if minutes is None:
        return ""
    for band, upper in zip(DECISION_BANDS, (15, 60, 240, 1440), strict=False):
        if minutes < upper:
            return band
    return DECISION_BANDS[-1]


def _fields() -> list[dict[str, Any]]:
    catalogue = load_catalogue()
    star = [STAR]

    def enum(values: Iterable[str], *, starred: bool = False) -> dict[str, Any]:
        return {"enum": [*values, *(star if starred else [])]}

    return [
        {"name": "pseudonym", "type": "string", "description": "HMAC-SHA256 of the case id "
         "with the region's secret (hex); stable between exports of the same region.",
         "constraints": {"required": True, "unique": True, "pattern": "[0-9a-f]{64}"}},
        {"name": "region", "type": "string", "description": "Region name.",
         "constraints": {"required": True}},
        {"name": "iso_week", "type": "string", "description": "ISO week of `received` "
         "(local time), YYYY-Www; * when suppressed for k-anonymity.",
         "constraints": {"required": True, "pattern": r"\d{4}-W\d{2}|\*"}},
        {"name": "part_of_day", "type": "string", "description": "Local hour of `received`: "
         "0-6, 6-12, 12-18 or 18-24.", "constraints": enum(("0-6", "6-12", "12-18", "18-24"))},
        {"name": "weekend", "type": "boolean", "description": "`received` on a Saturday or "
         "Sunday (local time)."},
        {"name": "channel", "type": "string", "description": "call.channel.",
         "constraints": enum(catalogue.categories["channel"])},
        {"name": "caller_role", "type": "string", "description": "call.caller_role.",
         "constraints": enum(catalogue.categories["caller_role"])},
        {"name": "age_band", "type": "string", "description": "Age at `received`; * when "
         "suppressed.", "constraints": enum(catalogue.categories["age_band"], starred=True)},
        {"name": "gender", "type": "string", "description": "youth.gender; * when suppressed.",
         "constraints": enum(GENDERS, starred=True)},
        {"name": "urgency", "type": "string", "description": "Urgency of the latest "
         "decision (empty: not decided); * when suppressed.",
         "constraints": enum(("U1", "U2", "U3", "U4", "U5"), starred=True)},
        {"name": "intervention", "type": "string", "description": "triage.intervention.",
         "constraints": enum(INTERVENTIONS)},
        {"name": "legal_route", "type": "string", "description": "legal.care_type.",
         "constraints": enum(LEGAL_ROUTES)},
        {"name": "referral_outcome", "type": "string", "description": "Outcome of the "
         "referral; always empty until referrals reach the central service (no data source "
         "yet)."},
        {"name": "first_contact_on_time", "type": "boolean", "description": "First contact "
         "at or before the deadline; empty until referrals reach the central service."},
        {"name": "minutes_to_decision", "type": "string", "description": "Minutes from "
         "`received` to the first decision, in bands; empty when not decided.",
         "constraints": enum(DECISION_BANDS)},
    ]  # fmt: skip


COLUMNS = tuple(f["name"] for f in _fields())


@dataclass
class Dataset:
    rows: list[dict[str, str]]
    suppressed: dict[str, int] = field(default_factory=dict)  # values replaced by *
    rows_dropped: int = 0

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())


def _row(f: CaseFacts, region: str, secret: bytes) -> dict[str, str]:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "pseudonym": pseudonym(secret, f.case_id),
        "region": region,
        "iso_week": text(f.iso_week),
        "part_of_day": text(f.part_of_day),
        "weekend": "" if f.weekend is None else ("true" if f.weekend else "false"),
        "channel": f.channel,
        "caller_role": f.caller_role,
        "age_band": f.age_band,
        "gender": f.gender if f.gender in GENDERS else "unknown",
        "urgency": text(f.urgency),
        "intervention": f.intervention if f.intervention in INTERVENTIONS else "",
        "legal_route": f.care_type if f.care_type in LEGAL_ROUTES else "",
        "referral_outcome": "",
        "first_contact_on_time": "",
        "minutes_to_decision": decision_band(f.minutes_to_decision),
    }


def _key(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[q] for q in QUASI_IDENTIFIERS)


def k_anonymise(rows: list[dict[str, str]], k: int = K) -> Dataset:
    """Star quasi-identifier values until every combination occurs at least k times."""
    suppressed: dict[str, int] = dict.fromkeys(QUASI_IDENTIFIERS, 0)
    for qi in QUASI_IDENTIFIERS:
        counts = Counter(_key(r) for r in rows)
        for row in rows:
            if counts[_key(row)] < k and row[qi] != STAR:
                row[qi] = STAR
                suppressed[qi] += 1
    counts = Counter(_key(r) for r in rows)
    all_star = (STAR,) * len(QUASI_IDENTIFIERS)
    short = k - counts[all_star] if 0 < counts[all_star] < k else 0
    dropped = 0
    if short:
        # fill the last group up from groups that keep at least k rows
        for key, count in counts.most_common():
            if key == all_star or not short:
                continue
            spare = min(count - k, short)
            for row in [r for r in rows if _key(r) == key][:spare]:
                for qi in QUASI_IDENTIFIERS:
                    if row[qi] != STAR:
                        row[qi] = STAR
                        suppressed[qi] += 1
                short -= 1
        if short:  # fewer than k rows in all: they cannot leave the region
            before = len(rows)
            rows = [r for r in rows if _key(r) != all_star]
            dropped = before - len(rows)
    return Dataset(rows=rows, suppressed=suppressed, rows_dropped=dropped)


def build_dataset(facts: Iterable[CaseFacts], region: str, secret: bytes) -> Dataset:
    rows = [_row(f, region, secret) for f in facts if f.received_at is not None]
    rows.sort(key=lambda r: r["pseudonym"])  # no order that hints at time of arrival
    return k_anonymise(rows)


def write_dataset(dataset: Dataset, directory: Path, *, region: str, period: str) -> None:
    """`cases.csv` and `datapackage.json` in `directory` (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dataset.rows)
    (directory / "cases.csv").write_text(buffer.getvalue(), encoding="utf-8")
    package = {
        "profile": "tabular-data-package",
        "name": "doorloop-minimal-dataset",
        "title": f"Doorloop minimal dataset, region {region}, {period}",
        "description": "Anonymised record-level cases (domain/indicators.md): pseudonyms, "
        f"generalised fields, k-anonymity with k = {K} over age band, gender, ISO week and "
        "urgency.",
        "doorloop": {
            "region": region,
            "period": period,
            "k": K,
            "rows": len(dataset.rows),
            "suppressed_values": dataset.suppressed,
            "suppressed_total": dataset.suppressed_total,
            "rows_dropped": dataset.rows_dropped,
            "catalogue_version": load_catalogue().version,
        },
        "resources": [
            {
                "name": "cases",
                "path": "cases.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": _fields(),
                    "missingValues": [""],
                    "primaryKey": ["pseudonym"],
                },
            }
        ],
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
