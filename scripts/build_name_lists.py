"""Rebuild rights/data/given_names.txt and rights/data/surnames.txt from Faker's person providers.

Faker (MIT licence) ships lists of common given names and surnames for many locales, compiled from public
sources such as national statistics offices. We keep only names written in Latin script (after folding
accents) so the lists match how UK case notes spell them, from locales that reflect the people a UK
council's children's services meet. Faker is needed only to rebuild the lists (`pip install faker`); the
runtime reads the text files.

    python scripts/build_name_lists.py
"""

from __future__ import annotations

import importlib
from pathlib import Path

from rights.matching import fold

LOCALES = (
    "en", "en_GB", "en_IE", "en_US", "en_IN", "en_NG", "en_KE", "en_PK", "en_NZ", "ga_IE", "pl_PL", "ro_RO",
    "cs_CZ", "sk_SK", "lt_LT", "lv_LV", "hu_HU", "de_DE", "fr_FR", "it_IT", "es_ES", "pt_PT", "pt_BR", "nl_NL",
    "tr_TR", "sq_AL", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "sw", "zu_ZA", "id_ID", "vi_VN", "hr_HR", "sl_SI",
    "fi_FI", "sv_SE", "da_DK", "no_NO", "et_EE", "az_AZ", "es_MX", "es_CO",
)
DATA = Path(__file__).resolve().parent.parent / "rights" / "data"


def _names(provider: type, marker: str) -> set[str]:
    """Names from every list or weighted dict attribute of the provider whose name contains ``marker``."""
    out: set[str] = set()
    for attribute in dir(provider):
        value = getattr(provider, attribute, None)
        if marker not in attribute or not isinstance(value, list | tuple | dict):
            continue
        for name in value:
            folded = fold(str(name))
            for part in folded.replace("-", " ").split():
                if part.isascii() and part.isalpha() and len(part) > 1:
                    out.add(part)
    return out


def main() -> None:
    given: set[str] = set()
    family: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        given |= _names(provider, "first_name")
        family |= _names(provider, "last_name")
    header = ("# Derived from Faker's person providers (MIT licence) by scripts/build_name_lists.py; folded, "
              "Latin script only.\n")
    (DATA / "given_names.txt").write_text(header + "\n".join(sorted(given)) + "\n", encoding="utf-8")
    (DATA / "surnames.txt").write_text(header + "\n".join(sorted(family)) + "\n", encoding="utf-8")
    print(f"{len(given)} given names, {len(family)} surnames")


if __name__ == "__main__":
    main()
