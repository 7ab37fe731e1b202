"""Random but valid-looking identifiers for the labelled evaluation set (``evalset``): NHS numbers with a
valid check digit, UPNs, National Insurance numbers, phones, postcodes, addresses, plates, dates, IBANs.

Kept apart from the generator so each module stays one job: these make values, ``evalset`` makes notes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum import iban as std_iban

from rights import identifiers

STREETS = ("Oak Road", "Mill Lane", "Church Street", "Elm Close", "Station Road", "Victoria Avenue",
           "Meadow Way", "Orchard Drive", "Park Crescent", "Castle Court", "Brookside Grove", "Willow Walk")
OUTWARD = ("SY1", "SY2", "SY3", "TF1", "TF3", "WV16", "SY11", "SY8")


def nhs(rng: random.Random) -> str:
    while True:
        first = str(rng.randint(400000000, 799999999))
        check = identifiers.nhs_check_digit(first)
        if check is not None:
            digits = first + str(check)
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if rng.random() < 0.7 else digits


def upn(rng: random.Random) -> str:
    body = f"{rng.randint(800, 940)}{rng.randint(0, 999999999):09d}"
    return identifiers.upn_check_letter(body) + body


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        first, second = "A", "B"
    digits = f"{rng.randint(0, 999999):06d}"
    spaced = rng.random() < 0.5
    body = f"{digits[:2]} {digits[2:4]} {digits[4:]} " if spaced else digits
    return f"{first}{second}{' ' if spaced else ''}{body}{rng.choice('ABCD')}"


def mobile(rng: random.Random) -> str:
    n = f"07{rng.choice('123456789')}{rng.randint(0, 99999999):08d}"
    return f"{n[:5]} {n[5:]}" if rng.random() < 0.6 else n


def landline(rng: random.Random) -> str:
    return f"01743 {rng.randint(200000, 899999)}"


def postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def address(rng: random.Random) -> str:
    return f"{rng.randint(1, 120)} {rng.choice(STREETS)}"


def plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    age = rng.choice([f"{y:02d}" for y in range(2, 25)] + [str(y) for y in range(51, 75)])
    tail = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return f"{rng.choice(letters)}{rng.choice(letters)}{age} {tail}"


def random_date(rng: random.Random, start: int, end: int) -> date:
    return date(start, 1, 1) + timedelta(days=rng.randint(0, (end - start) * 365))


def dob_text(rng: random.Random, when: date) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"{when.day} {when.strftime('%B')} {when.year}"
    if style == 1:
        return when.strftime("%d/%m/%Y")
    return f"{when.day} {when.strftime('%b')} {when.year}"


def iban(rng: random.Random) -> str:
    bban = f"NWBK{rng.randint(0, 999999):06d}{rng.randint(0, 99999999):08d}"
    check = std_iban.calc_check_digits("GB00" + bban)
    return f"GB{check}{bban}"
