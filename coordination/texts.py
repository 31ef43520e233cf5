"""The words of matching in Dutch and English: reasons, codes and labels.

coordination is shared by the desk and the central API and may not import the desk's
gettext catalogue, so it carries its own small nl/en pairs (as legal_rules does in its
rule files). ``text(key, lang, **values)`` fills one in; unknown languages fall back to
Dutch, the working language of the desks.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # reasons for a match, in the order they are given
    "fresh": ("Beschikbaarheid bijgewerkt {age} geleden.", "Availability updated {age} ago."),
    "stale": (
        "Beschikbaarheid verouderd: {age} oud; bel om het te controleren.",
        "Availability is stale: {age} old; phone to check it.",
    ),
    "free_one": ("1 {unit} vrij van {maximum}.", "1 {unit} free of {maximum}."),
    "free_many": ("{free} {units} vrij van {maximum}.", "{free} {units} free of {maximum}."),
    "held": (
        "{held} vastgehouden voor andere verwijzingen.",
        "{held} held for other referrals.",
    ),
    "expertise_present": ("Heeft expertise in {list}.", "Has expertise in {list}."),
    "expertise_missing": ("Geen expertise in {list}.", "No expertise in {list}."),
    "serves_municipality": ("Werkt in {municipality}.", "Serves {municipality}."),
    "other_municipality": (
        "Werkt niet in {municipality}, de gemeente van de jeugdige.",
        "Does not serve {municipality}, the young person's municipality.",
    ),
    "age_unknown": (
        "Leeftijd onbekend: de leeftijdsgrens {min_age}–{max_age} is niet gecontroleerd.",
        "Age unknown: the age limit {min_age}–{max_age} was not checked.",
    ),
    "route": ("Neemt op met {route}.", "Admits under {route}."),
    # durations
    "minutes": ("{n} min", "{n} min"),
    "hours": ("{n} uur", "{n} h"),
    "days": ("{n} dagen", "{n} days"),
    "and": ("en", "and"),
}

# What an exclusion or flag code means, for a desk worker (the panel shows these).
CODES: dict[str, tuple[str, str]] = {
    "AGE_OUT_OF_RANGE": ("Leeftijd valt buiten de doelgroep.", "Age is outside the target group."),
    "GENDER_NOT_SERVED": ("Neemt dit gender niet op.", "Does not admit this gender."),
    "INTAKE_STOP": ("Heeft een opnamestop.", "Has an intake stop."),
    "LEGAL_ROUTE_NOT_OFFERED": (
        "Biedt deze juridische route niet.",
        "Does not offer this legal route.",
    ),
    "NO_CAPACITY": ("Geen plaats vrij.", "No place free."),
    "SETTING_NOT_OFFERED": ("Biedt deze vorm van zorg niet.", "Does not offer this setting."),
    "STALE_AVAILABILITY": ("Beschikbaarheid verouderd.", "Availability is stale."),
    "AGE_UNKNOWN": ("Leeftijd onbekend.", "Age unknown."),
    "EXPERTISE_MISSING": ("Mist gevraagde expertise.", "Lacks a needed expertise."),
}

EXPERTISE_LABELS: dict[str, tuple[str, str]] = {
    "psychosis": ("psychose", "psychosis"),
    "suicidality": ("suïcidaliteit", "suicidality"),
    "self_harm": ("zelfbeschadiging", "self-harm"),
    "addiction": ("verslaving", "addiction"),
    "intellectual_disability": ("verstandelijke beperking", "intellectual disability"),
    "eating_disorder": ("eetstoornis", "eating disorder"),
    "autism": ("autisme", "autism"),
    "trauma": ("trauma", "trauma"),
}

ROUTE_LABELS: dict[str, tuple[str, str]] = {
    "voluntary": ("vrijwillig", "voluntary"),
    "wvggz_crisismaatregel": ("Wvggz-crisismaatregel", "Wvggz crisis measure"),
    "wvggz_zorgmachtiging": ("Wvggz-zorgmachtiging", "Wvggz care authorization"),
    "wzd_ibs": ("Wzd-inbewaringstelling", "Wzd emergency detention"),
    "wzd_rm": ("Wzd-rechterlijke machtiging", "Wzd court authorization"),
    "wzd_artikel_21": ("Wzd artikel 21", "Wzd article 21"),
    "jw_gesloten": ("machtiging gesloten jeugdhulp", "secure youth care authorization"),
    "bw_uithuisplaatsing": ("machtiging uithuisplaatsing", "out-of-home placement authorization"),
}

# capacity units: (nl one, nl many, en one, en many); anything else counts "places"
CAPACITY_UNITS: dict[str, tuple[str, str, str, str]] = {
    "bed": ("bed", "bedden", "bed", "beds"),
    "place": ("plaats", "plaatsen", "place", "places"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: str, **values: object) -> str:
    return _pick(TEXTS[key], lang).format(**values)


def code_text(code: str, lang: str) -> str:
    """What an exclusion or flag code means, in ``lang``."""
    return _pick(CODES[code], lang)


def expertise_label(code: str, lang: str) -> str:
    """A label for an expertise code; a region's own codes are shown as written."""
    pair = EXPERTISE_LABELS.get(code)
    return _pick(pair, lang) if pair else code.replace("_", " ")


def route_label(code: str, lang: str) -> str:
    return _pick(ROUTE_LABELS[code], lang)


def capacity_unit(unit: str, count: int, lang: str) -> str:
    words = CAPACITY_UNITS.get(unit.casefold(), CAPACITY_UNITS["place"])
    offset = 2 if lang == "en" else 0
    return words[offset] if count == 1 else words[offset + 1]


def listing(items: list[str], lang: str) -> str:
    """``a``, ``a en b``, ``a, b en c`` (English: ``a, b and c``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text('and', lang)} {items[-1]}"


def duration(seconds: float, lang: str) -> str:
    """A short age: minutes under an hour, hours under two days, else days."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return text("minutes", lang, n=minutes)
    hours = minutes // 60
    if hours < 48:
        return text("hours", lang, n=hours)
    return text("days", lang, n=hours // 24)
