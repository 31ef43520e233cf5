"""Generate docs/data-inventory.md from the intake format and the central schema (issue 21).

Every field of the intake format (desktop/forms/definitions) and every column of the
central database (central_api.db) gets its purpose, legal basis, who sees it and how long
it is kept. Purposes and bases are given here per section and per table; a section or
table without an entry fails the generation, so the inventory cannot silently drift.

    python tools/data_inventory.py            # rewrite docs/data-inventory.md
    python tools/data_inventory.py --check    # exit 1 when it is out of date (CI)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "data-inventory.md"

CARE = "AVG art. 6(1)(c)/(e) and art. 9(2)(h); Jeugdwet; WGBO art. 7:454"
RETENTION_CASE = (
    "server: 20 years after closing (WGBO 7:454; `retention run`); desk: while open or "
    "in the window, closed ones 14 days (outreach 2) after sync"
)
WHO_CASE = (
    "users of the region: open cases within the window, own cases, break-the-glass; "
    "coordinators all open cases; trainers none"
)

SECTIONS: dict[str, str] = {
    "call": "who called, when and how: to call back and to give feedback",
    "youth": "identify the young person, reach them, judge age-dependent rules",
    "authority": "who holds parental authority and must consent or be informed",
    "situation": "what is going on and what is asked: the basis of triage",
    "risk": "danger to self and others: urgency and safety decisions",
    "background": "care history and context needed for a safe handover",
    "legal": "consent and authorisation facts for the legal rules",
    "triage": "the triage decision (urgency, intervention) and its accountability",
    "handover": "what was agreed with the receiving party and who was informed",
}

BASIS_CARE = "AVG 9(2)(h); Jeugdwet; WGBO"
BASIS: dict[str, str] = {
    "legal": "AVG 9(2)(h); WGBO 7:465; Wvggz; Wzd; Jeugdwet",
    "authority": "AVG 9(2)(h); BW 1:245 ff.; WGBO 7:465",
    "youth": "AVG 9(2)(h); Wabb (BSN); Jeugdwet 7.4.4",
}

TABLES: dict[str, tuple[str, str, str, str]] = {
    # table: (purpose, legal basis, who sees it, retention)
    "regions": ("organise the service per region", "AVG art. 6(1)(e)", "admins", "while used"),
    "users": (
        "accounts and roles (least privilege)",
        "AVG art. 6(1)(b)/(c); NEN 7510",
        "admins; the user themself",
        "while employed; deactivated, not deleted (audit)",
    ),
    "devices": (
        "which device syncs; revocation and remote wipe",
        "AVG art. 32; NEN 7510",
        "admins",
        "as long as the user's audit trail",
    ),
    "login_throttle": ("stop password guessing", "AVG art. 32", "nobody (automatic)", "minutes"),
    "rate_buckets": ("stop overload per device", "AVG art. 32", "nobody (automatic)", "seconds"),
    "counters": ("sync sequence numbers", "technical", "nobody", "permanent"),
    "cases": ("the case record's state", CARE, WHO_CASE, RETENTION_CASE),
    "versions": ("every version of a case (never overwritten)", CARE, WHO_CASE, RETENTION_CASE),
    "changes": (
        "the change log desks pull (tombstones after purges)",
        CARE,
        WHO_CASE + "; tombstones: the whole region",
        "live objects as their case; tombstones until `compact`",
    ),
    "audit_events": (
        "NEN 7513 access log from the desks (hash-chained)",
        "AVG art. 32; NEN 7513; WGBO 7:454",
        "privacy officer (`audit case`, `audit review`)",
        "at least as long as the case; kept after a purge (no content)",
    ),
    "server_audit": (
        "the server's own audit (logins, pulls, purges, break-the-glass, rights)",
        "AVG art. 32; NEN 7513",
        "privacy officer, admins",
        "append-only; at least as long as the cases",
    ),
    "indicator_facts": (
        "stuurinformatie per case (no names)",
        "AVG art. 6(1)(e), art. 89",
        "coordinators (aggregates only)",
        "as the case",
    ),
    "indicator_daily": (
        "daily counts for stuurinformatie",
        "AVG art. 89",
        "coordinators",
        "permanent (aggregates)",
    ),
    "region_secrets": (
        "key of the minimal dataset's pseudonyms (sealed under the server key, which is "
        "kept outside the database)",
        "AVG art. 32, art. 89",
        "nobody (automatic)",
        "while the region exists",
    ),
    "region_privacy": (
        "a region's window, retention and keep periods",
        "AVG art. 5(1)(e)",
        "admins",
        "while the region exists",
    ),
    "case_grants": (
        "break-the-glass openings (who, why, until when)",
        "NEN 7510/7513",
        "privacy officer",
        "as the case (removed with it)",
    ),
    "referrals": (
        "the agreement with a receiving party (afspraak is afspraak): status and timers",
        CARE,
        WHO_CASE + "; the addressed organisation's receivers (before acceptance: urgency, "
        "age band, legal route, setting, referrer feedback only)",
        RETENTION_CASE,
    ),
    "referral_events": (
        "every move of a referral (never overwritten), breaches",
        CARE,
        WHO_CASE + "; the addressed organisation's receivers",
        RETENTION_CASE + " (removed with the case; tombstones go to the receivers)",
    ),
    "user_totp": (
        "the second factor of the web pages (server-side secret, sealed under the server "
        "key, which is kept outside the database)",
        "AVG art. 32; NEN 7510",
        "nobody (automatic); admins can reset it",
        "while the user exists",
    ),
    "web_sessions": (
        "signed-in browser sessions (hash of the cookie only)",
        "AVG art. 32",
        "nobody (automatic)",
        "30 minutes idle, 12 hours at most",
    ),
    "directory_settings": (
        "a region's freshness limit for availability",
        "AVG art. 6(1)(e)",
        "admins",
        "while the region exists",
    ),
    "directory_organizations": (
        "the providers of the region's directory (organisations, no persons)",
        "AVG art. 6(1)(e); Jeugdwet",
        "every user of the region",
        "while listed",
    ),
    "directory_units": (
        "units with their characteristics and live availability (no persons)",
        "AVG art. 6(1)(e); Jeugdwet",
        "every user of the region; providers update their own",
        "while listed",
    ),
    "capacity_history": (
        "who changed a unit's availability and when (capacity indicators)",
        "AVG art. 6(1)(e), art. 89",
        "coordinators, admins",
        "permanent (no case data; the author is a provider's user)",
    ),
    "directory_holds": (
        "a place reserved for a case while its referral is open",
        CARE,
        WHO_CASE,
        "until the referral is answered; removed with the case",
    ),
}


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from central_api import db
    from desktop.forms import load_form

    form = load_form("intake", "1")
    lines = [
        "# Data inventory",
        "",
        "Generated by `tools/data_inventory.py` from the intake format "
        f"(`{form.id}` version {form.version}) and the central schema (`central_api/db.py`);"
        " `tests/unit/test_data_inventory.py` fails when it is out of date. Do not edit by "
        "hand. See docs/privacy.md for the rules and docs/dpia.md for the DPIA.",
        "",
        "## Intake fields (desk and central `versions.body`)",
        "",
        f"*Case view*: {WHO_CASE}. *Case retention*: {RETENTION_CASE}. Legal basis in "
        f"full: {CARE}.",
        "",
        "| field | label | type | purpose | legal basis | who sees it | retention |",
        "|---|---|---|---|---|---|---|",
    ]
    missing = [s.id for s in form.sections if s.id not in SECTIONS]
    for section in form.sections:
        purpose = SECTIONS.get(section.id, "")
        for field in section.fields:
            masked = " (masked in lists)" if field.masked else ""
            lines.append(
                f"| `{field.id}` | {field.label['nl']} / {field.label['en']} | {field.type}"
                f"{masked} | {purpose} | {BASIS.get(section.id, BASIS_CARE)} | case view"
                f"{' (triagists decide)' if section.role == 'triagist' else ''} | case retention |"
            )
    lines += ["", "## Central database", ""]
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        entry = TABLES.get(table.name)
        if entry is None:
            missing.append(table.name)
            continue
        purpose, basis, who, kept = entry
        columns = ", ".join(f"`{c.name}`" for c in table.columns)
        lines += [
            f"### `{table.name}`",
            f"- purpose: {purpose}",
            f"- legal basis: {basis}",
            f"- who sees it: {who}",
            f"- retention: {kept}",
            f"- columns: {columns}",
            "",
        ]
    if missing:
        raise SystemExit(f"no purpose and legal basis for: {', '.join(missing)}")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print("docs/data-inventory.md is out of date: run python tools/data_inventory.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
