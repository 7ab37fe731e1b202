"""Detectors for identifiers written in text: each a compiled pattern, then validation.

Own compiled regular expressions rather than Presidio's recognisers: Presidio runs every text through a
spaCy pipeline and scores each recogniser's matches with context words, which costs several times more
time per megabyte (``bench/redaction_speed.py`` measures both) and its shipped recognisers follow
US formats (SSN, US phone, US bank). The UK rules here (HMRC NI prefixes, NHS test ranges, DfE UPN check
letters, current vehicle registrations) are short and checked by python-stdnum and phonenumbers, so
nothing needs a model or a network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Final

import phonenumbers
from stdnum import iban as std_iban

from rights import identifiers
from rights.redaction.model import Kind, RedactionConfig
from rights.redaction.pattern_starts import (
    account_starts,
    address_starts,
    compiled,
    near,
    nhs_starts,
    nino_starts,
    person_ids,
    phone_starts,
    required_text,
    sort_code_starts,
    upn_starts,
    vehicle_starts,
)
from rights.redaction.shapes import Literals, digit_runs, loose_shape_of, matches, occurrences, shape_of, starts
from rights.redaction.spans import Span

_MONTHS: Final = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                  "november", "december")
_MONTH_RE: Final = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
                    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")

# ---------------------------------------------------------------- patterns

_EMAIL: Final = re.compile(r"(?<![\w.+-])\w[\w.%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Identifiers are written in ASCII digits and capitals: ASCII classes make each pass about a third faster.
# Where a pattern would start with a look-behind or \b ("no word character before"), it starts instead
# with the character class and checks the character before it afterwards ("[A-Z](?<!\w[A-Z])" is
# "\b[A-Z]"): the same matches, but the engine can then skip ahead to the characters that can start one
# instead of trying every position (two to five times faster per pass).
_A: Final = re.ASCII
_PHONE: Final = re.compile(r"\+(?<![\w+]\+)44\s?\(?0?\)?\s?\d(?:[ \-]?\d){8,9}(?!\d)"
                           r"|0(?<![\w+]0)\d(?:[ \-]?\d){8,9}(?!\d)"
                           r"|\((?<![\w+]\()0\d{3,4}\)\s?\d{3}\s?\d{3,4}(?!\d)", _A)
_POSTCODE: Final = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b",
                              re.IGNORECASE | _A)
_STREET_WORDS: Final = (
    "road", "rd", "street", "st", "avenue", "ave", "lane", "ln", "close", "drive", "dr", "way", "crescent",
    "court", "ct", "place", "gardens", "terrace", "grove", "walk", "square", "hill", "mews", "row", "park", "view",
    "rise", "green", "parade", "fields", "meadow", "meadows", "bank", "gate", "croft", "end", "wharf", "yard",
)
# A house number (after "Flat 3, " or not), one to three capitalised words, a street word, maybe a town:
# (Flat|Apartment|Unit \d+,? )?\b\d{1,4}..., written as one branch per first character (see above).
# Possessive (*+, ++) where what follows cannot match what was taken: the same matches, an eighth faster.
_ADDRESS_REST: Final = (
    r"\d{0,3}+[A-Za-z]?,?\s++(?:[A-Z][\w'’-]*+\s++){1,3}(?:" + "|".join(w.title() for w in _STREET_WORDS) + r")\b\.?"
    r"(?:,\s*[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2}(?=[,.;\s]|$))?"
)
_ADDRESS: Final = re.compile(
    r"[FAU\d](?<!\w.)(?:" + "|".join(f"(?<={w[0]}){w[1:]}\\s+\\d+[A-Za-z]?,?\\s+\\d" + _ADDRESS_REST
                                      for w in ("Flat", "Apartment", "Unit"))
    + r"|(?<=\d)" + _ADDRESS_REST + ")"
)
_NHS: Final = re.compile(r"\d(?<!\d\d)\d{2}[ -]?\d{3}[ -]?\d{4}(?![\d])", _A)
# HMRC: first letter not D F I Q U V; second not D F I O Q U V; some prefixes never issued; suffix A-D.
_NINO: Final = re.compile(
    r"([A-CEGHJ-PR-TW-Z](?<!\w[A-Z])[A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b", _A)
_NINO_BAD_PREFIXES: Final = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_DATE: Final = (r"(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE + r",?\s+\d{4}"
                r"|" + _MONTH_RE + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
                r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}))")
# \b(?:born|dob|date of birth) ..., written to start with its first letter (see above)
_DOB: Final = re.compile(r"[BbDd](?<!\w.)(?i:(?<=[Bb])orn(?:\s+on)?|(?<=[Dd])\.?o\.?b\.?|(?<=[Dd])ate\s+of\s+birth)"
                         r"(?i:\s*(?:is|was)?\s*[:\-]?\s*(?:on\s+)?(" + _DATE + r"))")
# Current format (since 2001): two letters, age identifier (02-25 March, 51-75 September), three letters.
_VEHICLE: Final = re.compile(r"([A-HJ-PR-Y](?<!\w[A-Z])[A-HJ-PR-Y])(\d{2}) ?([A-HJ-PR-Z]{3})\b", _A)
# 12-34-56 or 12 34 56: one branch after the common start, so the engine skips ahead to digits
_SORT_CODE: Final = re.compile(r"\d(?<!\w\d)\d(?:-\d{2}-\d{2}| \d{2} \d{2})\b", _A)
_ACCOUNT: Final = re.compile(r"\d(?<![\d-]\d)\d{7}(?![\d-])", _A)
_BANK_CUE: Final = re.compile(r"sort\s*code|account|acc(?:t)?\.?\s*(?:no|number)|bank", re.IGNORECASE)
_IBAN: Final = re.compile(r"G(?<!\wG)B\d{2} ?[A-Z]{4}(?: ?\d{2,4}){4}\b", _A)
_UPN: Final = re.compile(r"[A-HJ-NP-RT-Z](?<!\w[A-Z])\d{11}[0-9A-HJ-NP-RT-Z]\b", _A)

# The postcode pattern (case-insensitive, starting with \b) is tried by the engine at every letter.
# Every postcode holds its inward code (a digit, two letters) two to five characters after its start, so
# :func:`near` looks for that first and tries the pattern only where a postcode would start:
# (pattern, anchor, fewest and most characters from start to anchor). The anchors themselves are
# looked for only where the note's loose shape (letters of either case "A") has a digit and two letters.
# Not worth it for the patterns that start with a capital (NI number, plate, UPN): digits are too common
# an anchor.
_Anchored = tuple[re.Pattern[str], re.Pattern[str], int, int]
_POSTCODE_NEAR: Final[_Anchored] = (_POSTCODE, re.compile(r"\d[ABD-HJLNP-UW-Z]{2}", re.IGNORECASE | _A), 2, 5)
_INWARD_AT: Final[Literals] = ((b"0AA", 0),)

# Patterns that start at or just before a number are tried only at the runs of digits of the right length
# (:mod:`rights.redaction.pattern_starts`), found once per note (:func:`~rights.redaction.shapes.digit_runs`).
# Every date of birth starts with one of these in lower case (no other character is a case variant of
# their letters to the pattern): born, dob, d.ob, do.b, d.o.b, date of birth.
_DOB_STARTS: Final = ("born", "dob", "d.o", "do.", "date")

# Quick gates: skip a pattern entirely when the text has nothing that could start a match.
_HAS_DIGIT_RUN: Final = re.compile(r"\d\d")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


# ---------------------------------------------------------------- validation


def nhs_valid(value: str) -> bool:
    """A ten-digit NHS number with a valid check digit, not repeated digits, not in the 999 test range.

    What the pattern found (ten digits, maybe spaced) is checked here with the modulus 11 sum directly,
    a tenth of the time of the general path; anything else goes to ``rights.identifiers`` (python-stdnum).
    A unit test holds the two to the same answers.
    """
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) == 10 and digits.isascii() and digits.isdigit():
        if digits.startswith("999") or digits == digits[0] * 10:
            return False  # 999 range: test numbers, never issued; 0000000000 passes the arithmetic
        total = sum(int(d) * w for d, w in zip(digits, range(10, 0, -1), strict=True))
        return total % 11 == 0
    normalised = identifiers.normalise_nhs_number(value)  # check digit (python-stdnum), repeated digits refused
    return normalised is not None and not normalised.startswith("999")


def nino_valid(value: str) -> bool:
    """A National Insurance number meeting HMRC's prefix rules (temporary TN numbers excluded)."""
    m = _NINO.fullmatch(value.strip().upper())
    return m is not None and m.group(1) not in _NINO_BAD_PREFIXES


def vehicle_valid(value: str) -> bool:
    """Two letters, a possible age identifier (02-29 or 51-79, covering plates issued to date), three letters."""
    m = _VEHICLE.fullmatch(value.strip())
    if not m:
        return False
    age = int(m.group(2))
    return 2 <= age <= 29 or 51 <= age <= 79


_GB: Final = phonenumbers.PhoneMetadata.metadata_for_region("GB")
_GB_NATIONAL: Final = re.compile(_GB.general_desc.national_number_pattern)
_GB_LENGTHS: Final = frozenset(_GB.general_desc.possible_length)
_PHONE_SHAPE: Final = re.compile(r"\+?[\d ()\-]+", _A)


def phone_valid(value: str) -> str | None:
    """The E.164 form of a possible UK phone number (landline 01/02, 03, mobile 07), or None.

    phonenumbers decides; the common shapes (0 or +44, then a national number that GB's own metadata
    pattern accepts) are answered from that same metadata without a full parse, which costs more than
    every other detector on a note together. Anything else goes to :func:`phonenumbers.parse`.
    """
    national = _gb_national(value)
    if national is None:
        return _phone_parsed(value)
    if len(national) not in _GB_LENGTHS or national[0] not in "1237":
        return None
    return "+44" + national


def _gb_national(value: str) -> str | None:
    """The national significant number phonenumbers would find in ``value``, when that is certain."""
    if not _PHONE_SHAPE.fullmatch(value):
        return None
    digits = _NON_DIGIT.sub("", value)
    if value.lstrip(" (").startswith("+"):
        if not digits.startswith("44"):
            return None
        digits = digits[2:]
        if digits[:1] != "0":
            # no national prefix to strip: only digits 2-9 first, so the prefix '180020' cannot apply
            return digits if digits[:1] in "23456789" and digits[:1] and _GB_NATIONAL.fullmatch(digits) else None
    elif digits[:1] != "0":
        return None
    national = digits[1:]
    if national[:1] in ("", "0") or not _GB_NATIONAL.fullmatch(national):
        return None  # '00' is the international prefix; an unviable remainder keeps its 0: let the parser say
    return national


_NON_DIGIT: Final = re.compile(r"\D")


@lru_cache(maxsize=4096)
def _phone_parsed(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    # Possible rather than valid: a number in a range not yet allocated (or Ofcom's drama range) still
    # identifies whoever wrote it down, and missing a phone number is worse than one extra box.
    if number.country_code != 44 or not phonenumbers.is_possible_number(number):
        return None
    if str(number.national_number)[:1] not in "1237":
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(value: str) -> date | None:
    """A date as case notes write it ('22 December 1992', 'Dec 22, 1992', '22/12/1992', '22.12.92')."""
    return _parse_date(value, datetime.now(UTC).year % 100)


@lru_cache(maxsize=4096)
def _parse_date(value: str, this_year: int) -> date | None:
    """:func:`parse_date` with the current year's last two digits given (a request repeats its dates)."""
    text = value.strip().lower().replace(",", " ")
    m = _NUMERIC_DATE.fullmatch(text)
    try:
        if m:
            year = int(m.group(3))
            if year < 100:
                year += 2000 if year <= this_year else 1900
            return date(year, int(m.group(2)), int(m.group(1)))
        words = [w for w in _SPACES.split(_ORDINAL.sub(r"\1", text)) if w and w != "of"]
        day = next(int(w) for w in words if w.isdigit() and len(w) <= 2)
        year = next(int(w) for w in words if w.isdigit() and len(w) == 4)
        month = next(i + 1 for w in words for i, name in enumerate(_MONTHS) if w[:3] == name[:3])
        return date(year, month, day)
    except (ValueError, StopIteration):
        return None


# ---------------------------------------------------------------- detectors


def find_identifiers(text: str, config: RedactionConfig, lowered: str | None = None) -> list[Span]:
    """Every identifier the patterns find and validation accepts, in no particular order.

    Each pattern runs only when a cheap substring test says it can match (an '@' for email, a cue word for
    dates of birth and bank details, digits for numbers): a skipped pass costs nothing. Patterns with a rare
    start are tried only where the shape says they can start (:mod:`rights.redaction.shapes`). A list (a
    generator per span costs more compiled); ``lowered`` is ``text.lower()`` when the caller has it.
    """
    out: list[Span] = []
    add, shape = out.append, shape_of(text)
    runs = digit_runs(shape)  # where numbers are: most identifiers start at one
    if "@" in text:
        for m in _emails(text):
            add(Span(m.start(), m.end(), Kind.EMAIL, f"email:{m.group().lower()}", "email address"))
    lowered = text.lower() if lowered is None else lowered
    if _HAS_DIGIT_RUN.search(text) is not None:  # phones, long numbers, dates and bank details need digits
        _phones(text, shape, runs, out)
        _numbers(text, shape, runs, out)
        if "born" in lowered or "birth" in lowered or "dob" in lowered or "d.o.b" in lowered:
            _dobs(text, lowered, out)
    if "sort" in lowered or "account" in lowered or "acc" in lowered or "bank" in lowered:
        _bank(text, shape, runs, out)
    for m in _postcodes(text):
        compact = m.group().upper().replace(" ", "")
        add(Span(m.start(), m.end(), Kind.POSTCODE, f"postcode:{compact[:-3]} {compact[-3:]}", "postcode"))
    for m in matches(_ADDRESS, text, address_starts(text, shape, runs)):
        first = m.group().split(",")[0] if not m.group().startswith(("Flat", "Apartment", "Unit")) else m.group()
        add(Span(m.start(), m.end(), Kind.ADDRESS, address_key(first), "street address"))
    for m in matches(_VEHICLE, text, vehicle_starts(shape, runs)):
        if vehicle_valid(m.group()):
            add(Span(m.start(), m.end(), Kind.VEHICLE, f"vehicle:{m.group().replace(' ', '')}",
                     "vehicle registration (current UK format)"))
    for scheme, pattern in config.person_id_patterns:
        for m in person_ids(compiled(pattern), required_text(pattern), text):
            found = m.group()
            value = found[len(scheme):].lstrip(" :#-") if found.upper().startswith(scheme.upper()) else found
            add(Span(m.start(), m.end(), Kind.PERSON_ID, f"person_id:{scheme}:{value}", f"{scheme} person id"))
    return out


_LOCAL_PART: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.%+'-")


def _emails(text: str) -> Iterator[re.Match[str]]:
    """``_EMAIL.finditer(text)``, searching only from the run of address characters before each '@'.

    Every match holds exactly one '@' with address characters from its start up to it, so the next match
    after ``pos`` starts within the run before the first '@' after ``pos``: the same matches, without
    trying the pattern at every word of the note.
    """
    pos = 0
    size = len(text)
    while pos < size:
        at = text.find("@", pos)
        if at < 0:
            return
        lo = at
        while lo > pos and (text[lo - 1] in _LOCAL_PART or (not text[lo - 1].isascii() and text[lo - 1].isalnum())):
            lo -= 1  # back over [\w.%+'-]
        m = _EMAIL.search(text, lo)
        if m is None:
            return
        yield m
        pos = m.end()


def _postcodes(text: str) -> Iterator[re.Match[str]]:
    """``_POSTCODE.finditer(text)``: tried only before its anchors, found where the loose shape says."""
    pattern, anchor, nearest, farthest = _POSTCODE_NEAR
    match = anchor.match
    anchors = [at for at in starts(loose_shape_of(text), _INWARD_AT) if match(text, at) is not None]
    return near(pattern, anchors, nearest, farthest, text)


@lru_cache(maxsize=4096)
def address_key(first_line: str) -> str:
    """The key of an address: its first line in lower case, punctuation and spacing folded ('12 Oak Road')."""
    return "address:" + _NOT_KEY.sub(" ", first_line.lower()).strip()


_NOT_KEY: Final = re.compile(r"[^a-z0-9]+")
_NUMERIC_DATE: Final = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_ORDINAL: Final = re.compile(r"(\d)(st|nd|rd|th)\b")
_SPACES: Final = re.compile(r"\s+")


# The validators, remembered by value: a request's records repeat the same numbers (the subject's NHS
# number and UPN, a parent's phone), and each answer is a pure function of the text matched.
_phone_ok = lru_cache(maxsize=4096)(phone_valid)
_nhs_ok = lru_cache(maxsize=4096)(nhs_valid)
_upn_ok = lru_cache(maxsize=4096)(identifiers.upn_valid)
_iban_ok = lru_cache(maxsize=4096)(std_iban.is_valid)


def _phones(text: str, shape: bytes, runs: list[tuple[int, int]], out: list[Span]) -> None:
    for m in matches(_PHONE, text, phone_starts(text, shape, runs)):
        if e164 := _phone_ok(m.group()):
            out.append(Span(m.start(), m.end(), Kind.PHONE, f"phone:{e164}", "UK phone number"))


def _numbers(text: str, shape: bytes, runs: list[tuple[int, int]], out: list[Span]) -> None:
    for m in matches(_NHS, text, nhs_starts(runs)):
        if _nhs_ok(m.group()):
            out.append(Span(m.start(), m.end(), Kind.NHS, f"nhs:{_digits(m.group())}", "NHS number, check digit valid"))
    for m in matches(_NINO, text, nino_starts(shape, runs)):
        if m.group(1) not in _NINO_BAD_PREFIXES:
            value = "".join(m.groups())
            out.append(Span(m.start(), m.end(), Kind.NINO, f"nino:{value}",
                            "National Insurance number, HMRC prefix rules"))
    for m in matches(_UPN, text, upn_starts(shape, runs)):
        if _upn_ok(m.group()):
            out.append(Span(m.start(), m.end(), Kind.UPN, f"upn:{m.group()}",
                            "unique pupil number, check letter valid"))
    for m in _IBAN.finditer(text) if "GB" in text else ():
        if _iban_ok(m.group()):
            compact = m.group().replace(" ", "")
            out.append(Span(m.start(), m.end(), Kind.BANK, f"bank:{compact}", "IBAN, check digits valid"))


def _dobs(text: str, lowered: str, out: list[Span]) -> None:
    """Dates of birth, the pattern tried only where a cue starts (a full pass tries it at every b and d)."""
    if len(lowered) == len(text):  # lower() kept every offset
        where: list[int] = []
        for cue in _DOB_STARTS:
            if cue in lowered:  # most notes have one or two of them: a test is cheaper than a search loop
                where.extend(occurrences(lowered, cue))
        where.sort()
        found = matches(_DOB, text, where)
    else:
        found = _DOB.finditer(text)
    for m in found:
        if (when := parse_date(m.group(1))) is not None:
            out.append(Span(m.start(1), m.end(1), Kind.DOB, f"dob:{when.isoformat()}", "date of birth"))


def _bank(text: str, shape: bytes, runs: list[tuple[int, int]], out: list[Span]) -> None:
    for pattern, where, what in ((_SORT_CODE, sort_code_starts(shape, runs), "sort code"),
                                 (_ACCOUNT, account_starts(runs), "bank account number")):
        for m in matches(pattern, text, where):
            window = text[max(0, m.start() - 60):m.start()]
            if _BANK_CUE.search(window):
                out.append(Span(m.start(), m.end(), Kind.BANK, f"bank:{_digits(m.group())}", f"{what} (bank details)"))
