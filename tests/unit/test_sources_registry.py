"""The sources file: a mistake is reported with the source and the key; the demo systems without a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rights.sources import blocking, registry
from rights.sources.base import Identity
from rights.sources.documents import html_to_text

SQL_OK = """
[[source]]
name = "lcs"
service = "childrens_social_care"
type = "sql"
timeout_seconds = 45
[source.settings]
url = "sqlite:///x.db"
person_table = "person"
columns = { person_id = "id", given_names = "forename", family_name = "surname" }
queries = { records = "SELECT id AS record_id FROM note WHERE person_id = :person_id" }
"""

BAD = [
    ("nothing", "", "no [[source]] tables"),
    ("toml", "[[source]\nname=", "not valid TOML"),
    ("top key", 'sources = 1\n[[source]]\nname = "a"', "unknown top-level key 'sources'"),
    ("no name", '[[source]]\nservice = "send"\ntype = "demo"', "source #1: name is required"),
    ("no service", '[[source]]\nname = "a"\ntype = "demo"', "source #1 ('a'): service is required"),
    ("type", '[[source]]\nname = "a"\nservice = "send"\ntype = "oracle"', "type must be one of demo, folder"),
    ("timeout", '[[source]]\nname = "a"\nservice = "send"\ntype = "folder"\ntimeout_seconds = 0',
     "timeout_seconds must be a positive number"),
    ("typo", '[[source]]\nname = "a"\nservice = "send"\ntype = "folder"\ntimout_seconds = 3',
     "unknown key 'timout_seconds'"),
    ("folder path", '[[source]]\nname = "a"\nservice = "send"\ntype = "folder"', "settings.path is required"),
    ("setting typo", '[[source]]\nname = "a"\nservice = "send"\ntype = "folder"\n[source.settings]\npath = "x"\n'
     'manfest = "m.json"', "settings.manfest is not a known setting"),
    ("sql column", SQL_OK.replace('given_names = "forename"', 'given_name = "forename"'),
     "source #1 ('lcs'): settings.columns.given_name is not an identity field"),
    ("sql query", SQL_OK.replace(":person_id", ":pid"), "settings.queries.records is required and must use"),
    ("sql url", SQL_OK.replace("sqlite:///x.db", "not a url"), "settings.url is not a SQLAlchemy URL"),
    ("sql type", SQL_OK.replace('person_table = "person"', "person_table = 3"), "settings.person_table must be a str"),
    ("sar token", '[[source]]\nname = "a"\nservice = "youth_justice"\ntype = "sar-api"\n[source.settings]\n'
     'base_url = "https://x.example"', "settings.token_env is required"),
    ("misspelt service", '[[source]]\nname = "a"\nservice = "yj"\ntype = "folder"',
     "service 'yj' is not one of the privacy notice's services (channel_panel, "),
    ("twice", SQL_OK + SQL_OK.replace("[[source]]", "[[source]]", 1), "source #2: name 'lcs' is used twice"),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_sources_file_names_the_problem(tmp_path: Path, case: str, content: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(registry.SourceConfigError) as caught:
        registry.load_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_good_file_builds_connectors_with_their_timeouts(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(SQL_OK, encoding="utf-8")
    [source] = registry.load_file(path)
    assert (source.name, source.service, source.type, source.timeout_seconds) == (
        "lcs", "childrens_social_care", "sql", 45.0)
    assert registry.configured(str(path))[0] is registry.configured(str(path))[0]  # built once per file version


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(registry.SourceConfigError, match="does not exist"):
        registry.configured(str(tmp_path / "nope.toml"))


def test_without_a_file_the_seven_demo_systems() -> None:
    sources = registry.configured(None)
    assert len(sources) == 7 and {s.type for s in sources} == {"demo"}
    assert len({s.service for s in sources}) == 7


SUBJECT = Identity("Amelia", "Hart-Jones", date(2012, 5, 7), previous_names=("Amelia Smith",),
                   nhs_number="943 476 5919")
PLAUSIBLE = [
    ("same NHS number, other everything", Identity("X", "Y", date(1990, 1, 1), nhs_number="9434765919"), True),
    ("same date of birth", Identity("Olivia", "Brown", date(2012, 5, 7)), True),
    ("transposed date of birth", Identity("Olivia", "Brown", date(2012, 7, 5)), True),
    ("hyphen part, near year", Identity("Millie", "Jones", date(2013, 1, 1)), True),
    ("previous surname", Identity("Amelia", "Smith", date(2011, 3, 3)), True),
    ("diacritics", Identity("Amélie", "Hart-Jonés", None), True),
    ("same surname, far year", Identity("Jack", "Hart-Jones", date(2008, 1, 1)), False),
    ("stranger", Identity("Noah", "Price", date(2001, 1, 1)), False),
]


@pytest.mark.parametrize(("case", "other", "expected"), PLAUSIBLE, ids=[p[0] for p in PLAUSIBLE])
def test_blocking_is_generous_but_not_everyone(case: str, other: Identity, expected: bool) -> None:
    assert blocking.plausible(blocking.BlockingKeys.of(SUBJECT), other) is expected


def test_html_text_drops_script_style_and_keeps_visible_text() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body><p>Visit&nbsp;notes &amp; plan</p>"
            "<script>steal()</script><div>Second<br>line</div><noscript>x</noscript></body></html>")
    assert html_to_text(html) == "Visit\xa0notes & plan\n\nSecond\nline"
