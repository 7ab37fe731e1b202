"""What the detectors find (:class:`Span`) and what the policy proposes for it (:class:`Proposal`).

Why a module of its own, compiled (``setup.py``): a note makes a span and a proposal per mention (about 30
each), and as frozen dataclasses each cost more to build than the rule that found it (a dataclass's
``__init__`` sets every field through ``object.__setattr__``; filling its ``__dict__`` still builds two
dictionaries). Compiled, these are classes with fixed fields in a C struct: built by one native call, read
by a native access from the compiled detectors and policy, a fifteenth of the instructions. They keep what
callers relied on: read-only fields (properties over private ones), equality and hash by the fields, a
dataclass-like ``repr``, pickling and copying. Plain Python (no compiler), the same classes run with slots.
"""

from __future__ import annotations

from typing import final

from rights.redaction.model import Kind, Person, Whose


@final
class Span:
    """Something a detector found: where, what, and the evidence for whom it identifies.

    ``key`` names the person or identifier so that every mention of one person across a request can be
    decided at once ("person:<source id>" for someone listed as involved, "name:<folded name>" for
    someone on no list, "<kind>:<normalised value>" for an identifier). ``people`` are the listed people
    (the subject included) a name or address may refer to; empty when it matches no one listed. The
    policy, not the detector, decides whom it identifies. ``words`` are a name's folded words (title and
    initial left out); ``titled``: a title stood before the name (Mrs Smith: an adult, not a child);
    ``initialled``: an initial did (R Boateng: one particular person); ``professional_cue``: a role word
    beside it ("social worker Jane Doe", "Ms Doe (SW)"); ``relation_cue``: a family or social relation
    before it ("her uncle", "the neighbour,").
    """

    __slots__ = ("_end", "_initialled", "_key", "_kind", "_people", "_professional_cue", "_reason",
                 "_relation_cue", "_start", "_titled", "_words")

    def __init__(self, start: int, end: int, kind: Kind, key: str, reason: str, people: tuple[Person, ...] = (),
                 words: tuple[str, ...] = (), titled: bool = False, initialled: bool = False,
                 professional_cue: bool = False, relation_cue: bool = False) -> None:
        self._start = start
        self._end = end
        self._kind = kind
        self._key = key
        self._reason = reason
        self._people = people
        self._words = words
        self._titled = titled
        self._initialled = initialled
        self._professional_cue = professional_cue
        self._relation_cue = relation_cue

    @property
    def start(self) -> int:
        return self._start

    @property
    def end(self) -> int:
        return self._end

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def key(self) -> str:
        return self._key

    @property
    def reason(self) -> str:
        return self._reason

    @property
    def people(self) -> tuple[Person, ...]:
        return self._people

    @property
    def words(self) -> tuple[str, ...]:
        return self._words

    @property
    def titled(self) -> bool:
        return self._titled

    @property
    def initialled(self) -> bool:
        return self._initialled

    @property
    def professional_cue(self) -> bool:
        return self._professional_cue

    @property
    def relation_cue(self) -> bool:
        return self._relation_cue

    def fields(self) -> tuple[object, ...]:
        """Every field, in the constructor's order (what equality, hash and repr go by)."""
        return (self._start, self._end, self._kind, self._key, self._reason, self._people, self._words,
                self._titled, self._initialled, self._professional_cue, self._relation_cue)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return _repr("Span", SPAN_FIELDS, self.fields())

    def __reduce__(self) -> tuple[type[Span], tuple[object, ...]]:
        return Span, self.fields()  # pickled and copied by the constructor, as a dataclass is


@final
class Proposal:
    """What the core proposes for one span: redact it with ``code`` (when ``redact``) or keep it, and why,
    for an officer; ``whose`` is whom the policy decided it identifies."""

    __slots__ = ("_code", "_end", "_key", "_kind", "_reason", "_redact", "_start", "_whose")

    def __init__(self, start: int, end: int, kind: Kind, key: str, whose: Whose, redact: bool, code: str | None,
                 reason: str) -> None:
        self._start = start
        self._end = end
        self._kind = kind
        self._key = key
        self._whose = whose
        self._redact = redact
        self._code = code
        self._reason = reason

    @property
    def start(self) -> int:
        return self._start

    @property
    def end(self) -> int:
        return self._end

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def key(self) -> str:
        return self._key

    @property
    def whose(self) -> Whose:
        return self._whose

    @property
    def redact(self) -> bool:
        return self._redact

    @property
    def code(self) -> str | None:
        return self._code

    @property
    def reason(self) -> str:
        return self._reason

    def fields(self) -> tuple[object, ...]:
        """Every field, in the constructor's order (what equality, hash and repr go by)."""
        return (self._start, self._end, self._kind, self._key, self._whose, self._redact, self._code, self._reason)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proposal) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return _repr("Proposal", PROPOSAL_FIELDS, self.fields())

    def __reduce__(self) -> tuple[type[Proposal], tuple[object, ...]]:
        return Proposal, self.fields()


SPAN_FIELDS = ("start", "end", "kind", "key", "reason", "people", "words", "titled", "initialled",
               "professional_cue", "relation_cue")
PROPOSAL_FIELDS = ("start", "end", "kind", "key", "whose", "redact", "code", "reason")


def _repr(name: str, names: tuple[str, ...], values: tuple[object, ...]) -> str:
    return name + "(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, values, strict=True)) + ")"
