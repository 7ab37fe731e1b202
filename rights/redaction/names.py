"""Finding people's names in text: those the records list as involved, and those on no list.

Listed people (the subject, relatives, carers, professionals: ``Involvement`` entries of every record of
the request) are found in any case, on word boundaries, by full name, given or family name alone, title
with surname (Ms Nowak), initial with surname (J. Nowak, J Nowak) and possessive (Nowak's). The span
carries every listed person the words could mean; :mod:`rights.redaction.policy` decides whom.

People on no list are found from capitalised words checked against the bundled name lists
(``rights/data/given_names.txt``, ``surnames.txt``), the full names any configured source knows, and cues:
a title (Mr, Ms, Dr), a relation before the name ("her partner", "his mother", "a friend called"), a
reporting verb after it ("said", "told"). Words that are also names (Hope, Rose, Will, Summer, May) count
only with a cue, or when capitalised inside a sentence, never at the start of one; months and days only
with a cue. The rules are written, not learned: no model can be downloaded where councils run this.
They are still most of the time a note takes (``bench/redaction_speed.py``): one pass over capitalised
words, set look-ups, and per-request answers remembered on the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources

from rights.names import _nickname_groups, are_nicknames, fold, name_tokens
from rights.redaction.identifiers import address_key
from rights.redaction.model import Kind, Person, RedactionConfig, RedactionContext, Span, new_span
from rights.sources.base import Identity, Involvement

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof", "rev"})
POLICE_TITLES = frozenset({"pc", "dc", "ds", "di", "sgt", "insp"})
CALENDAR = frozenset({
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues",
    "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "christmas", "easter",
})
# Words before a name that say it is a person's, most often a relative's or acquaintance's ("her friend").
STRONG_RELATIONS = frozenset({
    "partner", "mother", "mum", "father", "dad", "stepfather", "stepmother", "step-father", "step-mother",
    "stepdad", "stepmum", "step-dad", "step-mum", "aunt", "auntie", "uncle", "friend", "called", "named",
    "sister", "brother", "half-brother", "half-sister", "cousin", "nan", "nana", "gran", "granny",
    "grandmother", "grandma", "grandad", "grandfather", "neighbour", "boyfriend", "girlfriend", "carer", "son",
    "daughter", "baby", "husband", "wife", "niece", "nephew", "classmate", "sibling", "lodger", "flatmate",
})
WEAK_RELATIONS = STRONG_RELATIONS | frozenset({
    "known as", "ex", "peer", "child", "children", "spoke to", "visited", "met", "by", "with", "and", "to",
    "from", "for",
})


def _tail_phrase(before: str, phrases: frozenset[str]) -> bool:
    """Whether ``before`` ends (spaces, commas, colons aside) with one of ``phrases`` (one or two words)."""
    stripped = before.rstrip(" \t,:")
    if stripped == before.rstrip(" \t") and not before[-1:].isspace():
        return False  # the name must follow a space: "grandmother" does not end in "mother"
    words = stripped[-40:].lower().split()
    if not words:
        return False
    if words[-1] in phrases:
        return True
    return len(words) > 1 and f"{words[-2]} {words[-1]}" in phrases


_AFTER_CUE = re.compile(
    r"^(?:'s\b|’s\b|\s+(?:said|says|told|tells|reported|reports|stated|explained|asked|shouted|texted|phoned|"
    r"disclosed|alleged|admitted|denied|agreed|refused|lives|lived|is|was|has|had|and|who)\b)",
    re.IGNORECASE,
)
# Words that end a place's name, not a person's ("Brook Street", "Summer term"). Words that are also common
# surnames (Hill, Green, Wood, Hall, Park) are left out: "Lucy Green" is a person.
PLACE_WORDS = frozenset({
    "street", "road", "avenue", "lane", "close", "drive", "way", "court", "cottage", "farm", "school", "academy",
    "college", "centre", "term", "holiday", "holidays", "ward", "unit", "surgery", "gardens", "primary", "nursery",
    "estate", "crescent", "grove", "terrace", "mews", "hospital", "clinic", "team", "service", "services",
    "council", "church",
})
_PLACE_AFTER = re.compile(r"^\s+(?:" + "|".join(w.title() for w in sorted(PLACE_WORDS)) + r")\b")
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "le", "la", "al", "el",
                       "bin", "bint", "ibn", "ap", "ter", "ten", "dos", "das"})
_PARTICLE_GAP = re.compile(r" (?:" + "|".join(sorted(PARTICLES)) + r")(?: (?:" + "|".join(sorted(PARTICLES))
                           + r"))? ")
_SENTENCE_END = frozenset(".!?:;\n•*>|")
_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž](?<![\w'’].)[\w'’]*(?:-[^\W\d_][\w'’]*)*")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")


_fold = lru_cache(maxsize=65536)(fold)  # names repeat across a request's records; folding is slow


@cache
def _word_list(name: str) -> frozenset[str]:
    text = resources.files("rights").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def given_names() -> frozenset[str]:
    return _word_list("given_names.txt")


def surnames() -> frozenset[str]:
    return _word_list("surnames.txt")


def ordinary_words() -> frozenset[str]:
    return _word_list("ordinary_words.txt")


@cache
def name_words() -> frozenset[str]:
    """The ordinary words that are also names (first section of ordinary_words.txt): Hope, Rose, Will."""
    text = resources.files("rights").joinpath("data/ordinary_words.txt").read_text(encoding="utf-8")
    section = text.split("# names that are words", 1)[1].split("\n#", 1)[0]
    return frozenset(section.split())


# ---------------------------------------------------------------- listed people


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
_BY_CONTEXT_MAX = 64


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


# ---------------------------------------------------------------- tokens


class _Token:
    """A word of the text (a plain slotted class: tens of thousands are made per megabyte)."""

    __slots__ = ("end", "raw", "start", "word")

    def __init__(self, start: int, end: int, word: str, raw: str) -> None:
        self.start = start
        self.end = end  # without a possessive ending
        self.word = word  # folded
        self.raw = raw


def _tokens(text: str, index: NameIndex) -> list[_Token]:
    tokens = []
    for m in _WORD.finditer(text):
        start = m.start()
        raw, word = _base(m.group())
        tokens.append(_Token(start, start + len(raw), word, raw))
    lowered = text.lower()
    if len(lowered) == len(text):  # lower() kept every offset (true but for a few rare letters)
        starts: set[int] | None = None  # made only when a listed name is written in lower case
        size = len(text)
        for word in index.lower_words:
            at = lowered.find(word)
            while at >= 0:
                end = at + len(word)
                if (text[at].islower() and (at == 0 or not _WORDCHAR(lowered[at - 1]))
                        and (end == size or not _WORDCHAR(lowered[end]))):
                    if starts is None:
                        starts = {t.start for t in tokens}
                    if at not in starts:
                        starts.add(at)
                        raw = text[at:end]
                        tokens.append(_Token(at, end, _fold_word(raw), raw))
                at = lowered.find(word, end)
        if starts is not None:
            tokens.sort(key=_start)
    return tokens


def _start(token: _Token) -> int:
    return token.start


@lru_cache(maxsize=65536)
def _base(raw: str) -> tuple[str, str]:
    """A word without its possessive ending (Nowak's, James'), and its folded form."""
    p = _POSSESSIVE.search(raw)
    if p and len(raw) > 3:
        raw = raw[: p.start()] if raw[p.start()] in "'’" else raw[:-1]
    return raw, _fold_word(raw)


def _WORDCHAR(ch: str) -> bool:
    return ch.isalnum() or ch in "'’_"


@lru_cache(maxsize=65536)
def _fold_word(raw: str) -> str:
    if raw.isascii():  # what fold does to ASCII: lower case, keep letters and hyphens (a quarter of the time)
        return _NOT_ASCII_NAME.sub("", raw.lower())
    return fold(raw).replace(" ", "")


_NOT_ASCII_NAME = re.compile(r"[^a-z-]")


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'‘“(-–[":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _joined(text: str, a: _Token, b: _Token) -> bool:
    gap = text[a.end:b.start]
    if a.raw[-1:] in "'’" or gap == "":
        return False
    if gap.strip(" ") == "" and len(gap) <= 2:
        return True
    if _PARTICLE_GAP.fullmatch(gap):
        return True  # Van der Berg, Da Silva written with a small particle
    return gap.strip(" ") == "." and (len(a.raw) == 1 or a.word in TITLES or a.word in POLICE_TITLES)


# ---------------------------------------------------------------- mentions


def find_names(text: str, index: NameIndex) -> Iterator[Span]:
    """Every mention of a person's name: listed people with their candidates, others with the evidence."""
    tokens = _tokens(text, index)
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        # Cheap tests first: an everyday word that is no name, no title and no listed person's
        # ("Placement", "The"), or a word in capitals that is no name (NHS, CAMHS).
        skip = _skip_word(tok.word)
        if (skip == 2 or (skip == 1 and not _listed(tok.word, index))
                or (tok.raw.isupper() and len(tok.raw) > 1 and _acronym(tok.word, index))):
            i += 1
            continue
        taken = _mention(text, tokens, i, index)
        if taken is None:
            i += 1
            continue
        span, used = taken
        yield span
        i += used


@lru_cache(maxsize=65536)
def _skip_word(word: str) -> int:
    """Whether a word cannot start a name: 2 never (it has digits), 1 unless a listed person has it
    (an everyday word that is no name, title or month), 0 it may."""
    if any(c.isdigit() for c in word):
        return 2  # SY3, 2nd: names have no digits
    return int(len(word) > 1 and word in ordinary_words() and word not in TITLES and not _namelike(word)
               and word not in CALENDAR)


def _acronym(word: str, index: NameIndex) -> bool:
    """A word in capitals that is no name, no title and no listed person's (NHS, UPN, SY3, CAMHS)."""
    return _plain_capitals(word) and not _listed(word, index) and word not in index.known_words


@lru_cache(maxsize=65536)
def _plain_capitals(word: str) -> bool:
    return word not in TITLES and word not in POLICE_TITLES and not _namelike(word)


def _listed(word: str, index: NameIndex) -> bool:
    if word in index.listed_words:
        return True
    return "-" in word and any(part in index.listed_words for part in word.split("-"))


@lru_cache(maxsize=65536)
def _namelike(word: str) -> bool:
    """In the name lists, and not an everyday word the lists happen to hold ("the", "council")."""
    ordinary, names = ordinary_words(), name_words()
    return all((p in given_names() or p in surnames()) and (p not in ordinary or p in names)
               for p in word.split("-"))


def _mention(text: str, tokens: Sequence[_Token], i: int, index: NameIndex) -> tuple[Span, int] | None:
    ordinary = ordinary_words()
    tok = tokens[i]
    word = tok.word
    titled = False
    initial: str | None = None
    j = i
    police = index.config.police_are_professionals and word in POLICE_TITLES and tok.raw.isupper()
    if (word in TITLES and tok.raw[0].isupper()) or police:
        titled = True
        j += 1
        if j < len(tokens) and not _joined(text, tokens[j - 1], tokens[j]):
            return None
    if j < len(tokens) and len(tokens[j].raw) == 1 and tokens[j].raw.isupper():
        if j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]) and tokens[j + 1].raw[0].isupper():
            initial = tokens[j].word
            j += 1
        else:
            return None
    if j >= len(tokens):
        return None
    first = tokens[j]
    if not first.raw[0].isupper() and not _listed(first.word, index):
        return None
    if (not titled and initial is None and first.word in ordinary_words() and not _listed(first.word, index)
            and not _namelike(first.word)):
        return None  # "Visited Amelia Smith": the name starts at the next word
    # collect the name words: the first one, then joined words that continue a name
    words = [first]
    k = j + 1
    while k < len(tokens) and len(words) < 4 and _joined(text, tokens[k - 1], tokens[k]):
        nxt = tokens[k]
        if not nxt.raw[0].isupper() and not _listed(nxt.word, index):
            break
        if nxt.word in TITLES or nxt.word in CALENDAR or nxt.word in PLACE_WORDS:
            break
        if nxt.word in ordinary and not (_listed(nxt.word, index) or _namelike(nxt.word)):
            break
        words.append(nxt)
        k += 1
    folded = [w.word for w in words]
    if not _accept(text, tokens[i], first, words, folded, titled, initial, index):
        return None
    start = tokens[i].start
    end = words[-1].end
    people = _candidates(folded, initial, titled, index)
    if people:
        key = people[0].key if len(people) == 1 else "name:" + " ".join(folded)
        reason = "listed as involved"
    else:
        key = "name:" + " ".join(folded)
        reason = "a name on no list (" + ("after a title" if titled else "name list or context") + ")"
    before = text[max(0, start - 48):start]
    after = text[end:end + 40]
    professional = _professional_cue(before, after, index) or (titled and word == "dr") or police
    relation = _tail_phrase(before, STRONG_RELATIONS)
    return new_span(start, end, Kind.NAME, key, reason, people, tuple(folded), titled, initial is not None,
                    professional, relation), k - i


def _accept(text: str, lead: _Token, first: _Token, words: list[_Token], folded: list[str], titled: bool,
            initial: str | None, index: NameIndex) -> bool:
    """Whether these capitalised words are a person's name (listed, titled, in the lists with cues)."""
    listed = index.listed_words
    if any(w in listed or ("-" in w and _listed(w, index)) for w in folded):
        word = folded[0]
        if (len(folded) == 1 and word in ordinary_words() and not titled and initial is None
                and (first.raw.islower() or _sentence_start(text, first.start))):
            # "misses rose and", not "the rose garden", "I will hope" nor "Frank discussion held"
            if _PLACE_AFTER.match(text[first.end:first.end + 20]):
                return False
            return (_cued(text, lead, first, strong=False) and not _preceded_by_article(text, first.start)
                    and not _SUBJECT_NOUN.search(text[max(0, first.start - 20):first.start]))
        if len(folded) == 1 and word in CALENDAR and not titled:  # a listed "June", but not "in June"
            return _cued(text, lead, first, strong=True) or not _date_context(text, first.start, first.end)
        return True
    if " ".join(folded) in index.known_full:
        return True
    if titled or initial is not None:  # "Ms Brook", "J. Moss": a title or initial makes the next word a name
        head = folded[0]
        return head not in CALENDAR and head not in PLACE_WORDS and (head not in ordinary_words() or _namelike(head))
    ordinary = ordinary_words()
    head = folded[0]
    if head in CALENDAR:  # "June Smith" or "her friend May", not "in May"
        if len(folded) > 1 and folded[1] in surnames() and folded[1] not in CALENDAR | PLACE_WORDS:
            return True
        return _cued(text, lead, first, strong=True)
    namelike = [_namelike(w) for w in folded]
    inside = not _sentence_start(text, first.start)
    if (len(folded) > 1 and _PARTICULARS.match(text[words[-1].end:words[-1].end + 12])
            and all(w not in ordinary or _namelike(w) for w in folded)):
        return True  # a name with particulars after it: "Zuzanna Al-Sayed (DOB ..."
    if len(folded) > 1 and inside and head not in ordinary and any(namelike[1:]):
        return True  # "and Rajesh Brook": capitalised words inside a sentence ending in a listed surname
    if not namelike[0]:  # a word on no list: a name only after a relation ("her friend Oluwaseun")
        if len(folded) > 1 and inside and all(w not in ordinary for w in folded):
            return _cued(text, lead, first, strong=False)  # "with Rajesh Wiśniewska"
        return head not in ordinary and _cued(text, lead, first, strong=True)
    if len(folded) == 1 and head in PLACE_WORDS:
        return False
    is_given = all(p in given_names() for p in head.split("-"))
    if head in ordinary:
        if len(folded) > 1 and namelike[1] and folded[1] not in ordinary:
            return True  # "Hope Marsden": an ordinary word followed by a surname
        if _PLACE_AFTER.match(text[words[-1].end:words[-1].end + 20]):
            return False
        return _cued(text, lead, first, strong=False) or (
            is_given and not _sentence_start(text, first.start) and head in given_names()
            and not _preceded_by_article(text, first.start))
    if len(head) <= 2:
        return False
    if is_given:
        return not _PLACE_AFTER.match(text[words[-1].end:words[-1].end + 20])
    # a surname-list word alone: only inside a sentence, or with a cue
    if len(folded) > 1:
        return True
    return not _sentence_start(text, first.start) and (
        _cued(text, lead, first, strong=False) or _AFTER_CUE.match(text[first.end:first.end + 12]) is not None)


_DATE_BEFORE = re.compile(r"(?:\b(?:in|on|of|by|since|until|till|from|to|during|next|last|early|late|mid|this|every|"
                          r"before|after|until|end|start|beginning)|\d(?:st|nd|rd|th)?)\s*$", re.IGNORECASE)


def _date_context(text: str, start: int, end: int) -> bool:
    """A month or day written as a date: 'in May', '3rd June', 'June 2024', 'on Friday'."""
    return _DATE_BEFORE.search(text[max(0, start - 12):start]) is not None or re.match(
        r"^\s*\d", text[end:end + 4]) is not None


def _preceded_by_article(text: str, start: int) -> bool:
    return re.search(r"\b(?:the|a|an|this|that|of)\s+$", text[max(0, start - 6):start], re.IGNORECASE) is not None


# "Mum will bring her": a relation noun as the subject of the sentence makes the next word its verb
_SUBJECT_NOUN = re.compile(r"(?:^|[.!?]\s+|\n)(?:mum|dad|mother|father|nan|gran|carer|she|he|they|i|we)\s+$",
                           re.IGNORECASE)
_PARTICULARS = re.compile(r"^\s*[,(]?\s*(?:dob|d\.o\.b|born|aged?|nhs|date of birth)\b", re.IGNORECASE)
_REPORTING = re.compile(r"^\s+(?:said|says|told|reported|stated|explained|asked|disclosed)\b")


def _cued(text: str, lead: _Token, first: _Token, *, strong: bool) -> bool:
    """A cue that these words name a person: a relation before them, or a reporting verb after.

    ``strong`` asks for a relation naming a person ("her friend", "called") or a reporting verb ("said"),
    needed for months and days; otherwise weaker cues inside a sentence also count ("with Rose and").
    """
    before = text[max(0, lead.start - 30):lead.start]
    after = text[first.end:first.end + 14]
    if _tail_phrase(before, STRONG_RELATIONS if strong else WEAK_RELATIONS):
        return True
    if _REPORTING.match(after) or after[:2] in ("'s", "’s") or _PARTICULARS.match(text[first.end:first.end + 12]):
        return True  # "Moss said", "Moss's NI number", "Zuzanna Al-Sayed (DOB ..."
    return not strong and not _sentence_start(text, lead.start) and _AFTER_CUE.match(after) is not None


@lru_cache(maxsize=64)
def _role_phrases(roles: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str]]:
    alternatives = "|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True))
    after = re.compile(r"^\s*(?:[,(\-–]|\bis\b|\bthe\b)\s*(?:the\s+|a\s+|an\s+|our\s+|her\s+|his\s+)?(?:"
                       + alternatives + r")\b", re.IGNORECASE)
    return frozenset(r.lower() for r in roles), after


def _professional_cue(before: str, after: str, index: NameIndex) -> bool:
    """A role word right before the name ("social worker Jane Doe", "SW: Jane") or after it ("(SW)")."""
    phrases, after_pattern = index.role_phrases, index.role_after
    assert after_pattern is not None
    stripped = before.rstrip(" \t,:(-–")
    words = stripped[-48:].lower().split()
    if words and words[-1] in index.role_last_words:  # a phrase ending anywhere else cannot match
        for k in (1, 2, 3, 4):
            if len(words) >= k and " ".join(words[-k:]) in phrases:
                return True
    return after_pattern.match(after) is not None


def _candidates(folded: list[str], initial: str | None, titled: bool, index: NameIndex) -> tuple[Person, ...]:
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


def involved_addresses(text: str, people: Iterable[Person]) -> Iterator[Span]:
    """Addresses of listed people written out in the text: the first line, in any case and spacing.

    A plain substring search finds the usual spelling; the pattern that allows other spacing and commas
    is compiled only when every word of the line is present but that spelling is not.
    """
    lowered = text.lower()
    for person in people:
        if not person.address:
            continue
        first = person.address.split(",")[0].strip()
        words = first.split()
        if len(words) < 2:
            continue
        reason = f"address of someone listed as involved ({person.role.replace('_', ' ')})"
        needle = " ".join(words).lower()
        at = lowered.find(needle)
        if at >= 0:
            while at >= 0:
                end = at + len(needle)
                if (at == 0 or not lowered[at - 1].isalnum()) and (end == len(text) or not lowered[end].isalnum()):
                    yield new_span(at, end, Kind.ADDRESS, address_key(first), reason, (person,))
                at = lowered.find(needle, end)
            continue
        if all(w.lower() in lowered for w in words):
            for m in _address_pattern(tuple(re.findall(r"[\w'’]+", first))).finditer(text):
                yield new_span(m.start(), m.end(), Kind.ADDRESS, address_key(first), reason, (person,))


@lru_cache(maxsize=1024)
def _address_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b" + r"[\s,]+".join(re.escape(w) for w in words) + r"\b", re.IGNORECASE)
