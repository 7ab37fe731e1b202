"""The index of a request's listed people (the subject, relatives, carers, professionals) and its caches.

Why a module of its own: every record of a request is checked against the same people, so the index is
built once per request (:func:`index_for`, :func:`build_index`) and remembers its answers
(:func:`candidates`: which listed people some name words can mean). The rules that decide whether words
are a name at all live in :mod:`rights.redaction.name_rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Final

from rights.names import _nickname_groups, are_nicknames, fold, name_tokens
from rights.redaction.model import Person, RedactionConfig, RedactionContext
from rights.redaction.name_lists import PARTICLES, TITLES
from rights.sources.base import Identity, Involvement

_fold = lru_cache(maxsize=65536)(fold)  # names repeat across a request's records; folding is slow


def _is_professional(role: str, job_title: str | None, config: RedactionConfig) -> bool:
    """Professional acting in role: listed as one, with a job the configuration counts (police optional)."""
    title = (job_title or "").lower()
    if role != "professional":
        return False
    if not title:
        return True
    return any(r in title for r in config.roles())


def _folded_words(name: str) -> list[str]:
    """``fold(name).split()`` word by word: folding works letter by letter, and words repeat across names."""
    return [piece for word in name.split() for piece in _fold(word).split()]


def person_of(involvement: Involvement, config: RedactionConfig) -> Person:
    words = _folded_words(involvement.name)
    last = len(words) - 1
    while last > 1 and words[last - 1] in PARTICLES:
        last -= 1  # "Noah Van der Berg": the family name starts at the particle
    given = frozenset(t for w in words[:last] for t in w.split("-") if w not in PARTICLES)
    family = frozenset(t for w in words[last:] for t in (w, *w.split("-")) if w not in PARTICLES)
    role = involvement.role
    if role == "professional" and not _is_professional(role, involvement.job_title, config):
        role = "other"
    key = (f"person:{involvement.person_id}" if involvement.person_id
           else f"person:{' '.join(name_tokens(involvement.name))}")
    return Person(key, involvement.name, role, involvement.job_title, given, family, involvement.address)


def subject_person(identity: Identity) -> Person:
    given = set(name_tokens(identity.given_names))
    family = set(_fold(identity.family_name).split()) | set(name_tokens(identity.family_name))
    for previous in identity.previous_names:
        words = _fold(previous).split()
        if len(words) > 1:
            given |= {t for w in words[:-1] for t in w.split("-")}
        if words:
            family |= {words[-1], *words[-1].split("-")}
    return Person("subject", f"{identity.given_names} {identity.family_name}", "subject", None,
                  frozenset(given), frozenset(family))


@dataclass(frozen=True)
class NameIndex:
    """The listed people of one request, indexed by the folded words of their names."""

    people: tuple[Person, ...]
    by_given: dict[str, tuple[Person, ...]]
    by_family: dict[str, tuple[Person, ...]]
    lower_words: tuple[str, ...]  # listed name words, to find them written in lower case
    known_full: frozenset[str]
    known_words: frozenset[str]
    subject_is_child: bool
    config: RedactionConfig
    role_phrases: frozenset[str] = frozenset()
    role_after: re.Pattern[str] | None = None
    role_last_words: frozenset[str] = frozenset()  # the last word of every role phrase
    listed_words: frozenset[str] = frozenset()  # every given and family name word of a listed person
    subject_nicknames: frozenset[str] = frozenset()  # words the nickname table ties to a subject's given name
    given_keyed: dict[str, dict[str, Person]] = field(default_factory=dict, compare=False, hash=False, repr=False)
    family_keyed: dict[str, dict[str, Person]] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Whether a word of the text (as written) can start a name, remembered per request (see names.py).
    starts_memo: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)
    heads_memo: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    continues_memo: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # What a name's words alone say (names.py), per (words, titled, initial): a request repeats its names.
    names_memo: dict[tuple[tuple[str, ...], bool, str | None], tuple[bool | None, tuple[Person, ...], str, str]] = (
        field(default_factory=dict, compare=False, hash=False, repr=False))
    # Listed people per name words, remembered (a request's records repeat the same names).
    candidates_memo: dict[tuple[tuple[str, ...], str | None, bool], tuple[Person, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False)


@lru_cache(maxsize=256)
def build_index(subject: Identity, involved: tuple[Involvement, ...], known_people: frozenset[str],
                config: RedactionConfig, subject_is_child: bool) -> NameIndex:
    """Index the subject and every listed person (same person listed twice kept once)."""
    people: dict[str, Person] = {}
    people["subject"] = subject_person(subject)
    for involvement in involved:
        if not involvement.name.strip():
            continue
        if involvement.role == "subject":
            continue
        p = person_of(involvement, config)
        people.setdefault(p.key, p)
    by_given: dict[str, list[Person]] = {}
    by_family: dict[str, list[Person]] = {}
    for p in people.values():
        for g in p.given:
            by_given.setdefault(g, []).append(p)
        for f in p.family:
            by_family.setdefault(f, []).append(p)
    lower = sorted({w for w in (*by_given, *by_family) if len(w) > 1 and w not in TITLES and w not in PARTICLES},
                   key=len, reverse=True)
    known_full = frozenset(" ".join(name_tokens(n)) for n in known_people)
    known_words = frozenset(t for n in known_full for t in n.split())
    phrases, after = _role_phrases(config.roles())
    return NameIndex(tuple(people.values()), {k: tuple(v) for k, v in by_given.items()},
                     {k: tuple(v) for k, v in by_family.items()}, tuple(lower), known_full, known_words,
                     subject_is_child, config, phrases, after, frozenset(p.split()[-1] for p in phrases if p.split()),
                     frozenset(by_given) | frozenset(by_family),
                     frozenset(n for g in people["subject"].given for n in _nickname_partners(g)),
                     {k: {p.key: p for p in v} for k, v in by_given.items()},
                     {k: {p.key: p for p in v} for k, v in by_family.items()})


_BY_CONTEXT: dict[int, tuple[RedactionContext, NameIndex]] = {}
_BY_CONTEXT_MAX: Final = 64


def index_for(context: RedactionContext) -> NameIndex:
    """The name index of a context (cached: every record of one request shares it).

    A subject with no date of birth is taken to be a child, the usual requester in children's services:
    that only matters for a title with the subject's surname, which then means an adult relative.

    Two caches: by the context object itself (a caller passes one context for all records of a request;
    hashing a context's fields costs more than a note's detection) and by value (:func:`build_index`),
    for callers that build an equal context per record. The entry holds the context, so its id cannot be
    reused by another object while the entry lives.
    """
    hit = _BY_CONTEXT.get(id(context))
    if hit is not None and hit[0] is context:
        return hit[1]
    index = _index_of(context)
    if len(_BY_CONTEXT) >= _BY_CONTEXT_MAX:
        del _BY_CONTEXT[next(iter(_BY_CONTEXT))]
    _BY_CONTEXT[id(context)] = (context, index)
    return index


def _index_of(context: RedactionContext) -> NameIndex:
    involved = context.request_involved
    if context.involved is not involved:  # this record's people added to the request's, each once
        involved = tuple(dict.fromkeys((*involved, *context.involved)))  # (build_index keeps one per key)
    dob = context.subject.date_of_birth
    is_child = dob is None or (datetime.now(UTC).date() - dob).days < 18 * 365.25
    return build_index(context.subject, involved, context.known_people, context.config, is_child)


ROLE_AFTER_NAME: Final = r"^\s*(?:[,(\-–]|\bis\b|\bthe\b)\s*(?:the\s+|a\s+|an\s+|our\s+|her\s+|his\s+)?(?:{roles})\b"
"""A role written after a name ("Jane Doe, social worker", "(SW)", "is the GP"), in any case; ``{roles}``
is the roles as alternatives. name_rules.role_after skips it by its first characters: keep the two in step."""


@lru_cache(maxsize=64)
def _role_phrases(roles: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str]]:
    """The roles in lower case, and the pattern of one written after a name (:data:`ROLE_AFTER_NAME`).

    The roles are written as a tree of their letters (:func:`alternatives_tree`): the engine then reads
    each character after a name once, instead of trying each of some fifty roles in turn. Only whether
    the pattern matches is read, and that is the same for any spelling of the same set of roles.
    """
    after = re.compile(ROLE_AFTER_NAME.format(roles=alternatives_tree(roles)), re.IGNORECASE)
    return frozenset(r.lower() for r in roles), after


def alternatives_tree(words: tuple[str, ...]) -> str:
    """A pattern matching exactly ``words`` (each escaped), with common beginnings written once:
    ``("sw", "social worker", "sergeant")`` gives ``s(?:ergeant|ocial\\ worker|w)``. Words are kept as
    written (ignoring case is the caller's flag: lower-casing first is not the same for every letter)."""
    tree: dict[str, dict] = {}
    for word in {w for w in words if w}:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


def is_listed(word: str, index: NameIndex) -> bool:
    if word in index.listed_words:
        return True
    return "-" in word and any(part in index.listed_words for part in word.split("-"))


def candidates(folded: list[str], initial: str | None, titled: bool, index: NameIndex) -> tuple[Person, ...]:
    """Listed people these name words can mean, narrowed by an initial.

    One word: anyone with it as a given name (or, for the subject, a known short form) or family name;
    after a title or an initial only a family name (Ms Brook is not Brook Smith). Several words: the first
    must be the person's given name and the last their family name (Rose Rose is not Mrs Katarzyna Rose).
    """
    memo_key = (tuple(folded), initial, titled)
    found = index.candidates_memo.get(memo_key)
    if found is None:
        found = index.candidates_memo[memo_key] = _candidates_of(folded, initial, titled, index)
    return found


def _candidates_of(folded: list[str], initial: str | None, titled: bool, index: NameIndex) -> tuple[Person, ...]:
    words = [w for w in folded if w not in PARTICLES]
    if not words:
        return ()
    subject = index.people[0]
    # Sets of people as dicts by key: the index holds one Person per key, and a string hashes far faster
    # than a dataclass.

    none: dict[str, Person] = {}

    def given(word: str) -> dict[str, Person]:  # the index's own dict: read, never changed
        found = index.given_keyed.get(word, none)
        if "-" in word and not found:
            found = {k: p for part in word.split("-") for k, p in index.given_keyed.get(part, none).items()}
        if subject.key not in found and word in index.subject_nicknames:
            found = {**found, subject.key: subject}
        return found

    def family(word: str) -> dict[str, Person]:
        found = index.family_keyed.get(word, none)
        if "-" in word and not found:  # Smith-Jones is not Smith, unless no one is Smith-Jones
            found = {k: p for part in word.split("-") for k, p in index.family_keyed.get(part, none).items()}
        return found

    def both(a: dict[str, Person], b: dict[str, Person]) -> dict[str, Person]:
        if not a or not b:
            return none
        if len(a) == 1:  # the usual case: one person has that given name
            return a if next(iter(a)) in b else none
        return {k: p for k, p in a.items() if k in b}

    if len(words) == 1:
        result = family(words[0])
        if not titled and initial is None:
            named = given(words[0])
            result = (result | named) if result and named else (result or named)
    else:
        result = both(given(words[0]), family(words[-1]))
        if not result and len(words) > 2:  # "Mary Jane Smith" written with a middle name
            result = both(given(words[0]) | given(words[1]), family(words[-1]))
    if initial is not None:
        result = {k: p for k, p in result.items() if any(g.startswith(initial) for g in p.given)}
    if len(result) < 2:
        return tuple(result.values())
    return tuple(result[k] for k in sorted(result))


@lru_cache(maxsize=4096)
def _nickname_partners(given: str) -> frozenset[str]:
    """Every word ``w`` with ``are_nicknames(w, given)``: a set look-up per word instead of a table walk."""
    members = _nickname_members()
    return frozenset(w for group in _nickname_groups().get(given, ()) for w in members[group]
                     if are_nicknames(w, given))


@cache
def _nickname_members() -> dict[int, tuple[str, ...]]:
    members: dict[int, list[str]] = {}
    for word, groups in _nickname_groups().items():
        for group in groups:
            members.setdefault(group, []).append(word)
    return {group: tuple(words) for group, words in members.items()}
