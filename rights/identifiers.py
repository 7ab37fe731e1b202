"""UK identifiers as people and systems write them: NHS numbers, unique pupil numbers, postcodes.

Small pure functions shared by the portal (to check what a requester types) and by identity matching
(``rights.matching``), where an identifier is only trusted as a deterministic key when its check digit
is right: a number that fails its own check was mistyped somewhere and proves nothing.
"""

from __future__ import annotations

import re

from stdnum.gb import nhs as std_nhs
from stdnum.gb import upn as std_upn

_NON_DIGITS = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s-]+")

# ---------------------------------------------------------------- NHS number


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for the first nine digits, or None when no valid number can end them.

    NHS Data Dictionary: weights 10 down to 2, remainder mod 11 taken from 11; 11 becomes 0 and 10 means
    the nine digits are never issued. The check catches every single-digit error and every transposition
    of adjacent digits, which is why a valid number is good evidence that it was typed as issued.
    The arithmetic is python-stdnum's (``stdnum.gb.nhs``): the digit whose full number checks to zero.
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("nine digits expected")
    return next((d for d in range(10) if std_nhs.checksum(first_nine + str(d)) == 0), None)


def normalise_nhs_number(value: str | None) -> str | None:
    """The ten digits of a well-formed, check-digit-valid NHS number ('943 476 5919' -> '9434765919')."""
    if not value:
        return None
    text = value.strip()
    if not re.fullmatch(r"[\d\s-]+", text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if len(digits) != 10 or len(set(digits)) == 1:  # 0000000000 passes the arithmetic but is never issued
        return None
    return digits if std_nhs.is_valid(digits) else None


def nhs_number_valid(value: str | None) -> bool:
    """Ten digits (spaces or hyphens allowed) whose modulus 11 check digit is right."""
    return normalise_nhs_number(value) is not None


def format_nhs_number(value: str) -> str:
    """'9434765919' -> '943 476 5919', the 3-3-4 grouping the NHS prints."""
    digits = _NON_DIGITS.sub("", value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value


# ---------------------------------------------------------------- unique pupil number

# DfE UPN alphabet: 23 letters without I, O and S (easily misread), valued 0..22. Digits count as their
# own value. The check letter at position 1 is the weighted sum (weights 2..13 over characters 2..13)
# mod 23, written in the same alphabet (python-stdnum's ``stdnum.gb.upn`` computes it). Temporary UPNs
# end in a letter instead of a digit. stdnum's ``is_valid`` also insists on a local-authority code from
# its own list; we check only format and check letter, so a new authority's pupils still match.
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(last_twelve: str) -> str:
    """The check letter for characters 2..13 of a UPN (eleven digits then a digit or a letter)."""
    if not re.fullmatch(rf"\d{{11}}[\d{_UPN_LETTERS}]", last_twelve):
        raise ValueError("eleven digits and a final digit or UPN letter expected")
    return std_upn.calc_check_digit(last_twelve)


def normalise_upn(value: str | None) -> str | None:
    """The 13-character UPN in capitals when its format and check letter are right, else None."""
    if not value:
        return None
    text = _SEPARATORS.sub("", value).upper()
    if not re.fullmatch(rf"[{_UPN_LETTERS}]\d{{11}}[\d{_UPN_LETTERS}]", text):
        return None
    return text if upn_check_letter(text[1:]) == text[0] else None


def upn_valid(value: str | None) -> bool:
    """A unique pupil number with the right DfE check letter (permanent or temporary form)."""
    return normalise_upn(value) is not None


# ---------------------------------------------------------------- postcode

_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})")


def normalise_postcode(value: str | None) -> str | None:
    """'sy38hq ' -> 'SY3 8HQ'; None when it is not shaped like a UK postcode.

    Only the shape is checked (outward code, then digit and two letters); whether the postcode exists
    would need the ONS directory, and matching only needs two spellings of one postcode to agree.
    """
    if not value:
        return None
    compact = _SEPARATORS.sub("", value).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    m = _POSTCODE.fullmatch(compact)
    return f"{m.group(1)} {m.group(2)}" if m else None
