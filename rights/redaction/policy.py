"""Who each detected span identifies, and whether to propose redacting it (pure; table-tested).

Rules, in order (legal-rules.md section 3):

1. **The subject's own data stays**: their name in every form the matcher knows (given names, known
   short forms from the nickname table, previous names), their identifiers (NHS number, UPN, other
   systems' ids, date of birth), their own addresses and postcodes, contacts they gave on the request.
   Exception: an address listed for a foster carer, carer or adopter is redacted even when the subject
   lives there, since the requester may be a parent the placement is kept from.
2. **Professionals acting in their role stay** (DPA 2018 Sch 2 para 17): people listed with the
   professional role whose job title the configuration counts (police included by default, a setting),
   unlisted names with a role word beside them ("social worker Jane Doe", "Dr Patel"), and email
   addresses at a professional domain (gov.uk, nhs.net ...).
3. **Everything identifying anyone else is proposed for TP**, including a relative who shares the
   subject's surname: their given name and identifiers are redacted; the shared surname alone identifies
   no one new, so a bare "Smith" inside or beside the subject's own name stays. A title with the shared
   surname ("Mrs Smith") refers to an adult relative, not the child subject, and identifies her, so it is
   redacted whole; when the subject is an adult and no one else listed shares the surname, it is theirs.
4. **Doubt redacts**: a name that could be a third party or the subject or a professional (two listed
   people share a given name; the subject's given name Rose is the mother's surname) is proposed for
   redaction; the officer can release it, for every mention at once.

A record with no text layer (a scan) gets no proposals but a flag (:func:`needs_officer`): an officer
withholds it or redacts by page region.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rights.names import fold
from rights.redaction.codes import THIRD_PARTY
from rights.redaction.identifiers import address_key, phone_valid
from rights.redaction.model import Kind, Person, RedactionContext, Whose
from rights.redaction.spans import Proposal, Span
from rights.sources.base import Identity

NO_TEXT_LAYER: Final = "no text layer (a scan): withhold the record or redact by page region"


def needs_officer(text: str | None) -> str | None:
    """Why a record cannot be decided from its text (None when it can): a scan has no text layer."""
    if text is None or not text.strip():
        return NO_TEXT_LAYER
    return None


def subject_keys(subject: Identity, contacts: Iterable[str] = ()) -> frozenset[str]:
    """The span keys that are the subject's own identifiers (same forms the detectors produce)."""
    keys: set[str] = set()
    if subject.nhs_number:
        keys.add("nhs:" + "".join(c for c in subject.nhs_number if c.isdigit()))
    if subject.upn:
        keys.add("upn:" + subject.upn.replace(" ", "").upper())
    for scheme, value in subject.other_ids:
        keys.add(f"person_id:{scheme.upper()}:{value.strip().upper()}")
    if subject.date_of_birth:
        keys.add("dob:" + subject.date_of_birth.isoformat())
    for address in subject.addresses:
        if address.postcode:
            compact = address.postcode.replace(" ", "").upper()
            keys.add(f"postcode:{compact[:-3]} {compact[-3:]}")
        if address.lines:
            keys.add(address_key(address.lines[0]))
    for contact in contacts:
        if "@" in contact:
            keys.add("email:" + contact.strip().lower())
        else:
            e164 = phone_valid(contact)
            if e164:
                keys.add("phone:" + e164)
    return frozenset(keys)


def _role_text(person: Person) -> str:
    if person.role == "subject":
        return "the subject"
    role = person.role.replace("_", " ")
    return f"{role} ({person.job_title})" if person.job_title else role


def whole_family_names(subject: Identity) -> frozenset[str]:
    """The subject's whole family names, now and before, folded (what a bare surname is compared with)."""
    whole = {fold(subject.family_name).replace(" ", "")}
    whole |= {fold(n).split()[-1] for n in subject.previous_names if fold(n)}
    return frozenset(whole)


def bare_subject_surname(span: Span, subject: Identity, whole: frozenset[str] | None = None) -> bool:
    """A single word that is the subject's whole family name, now or before (shared with relatives or not).

    A part of a double name is not enough: "Khan" beside a subject called Ahmed-Khan may be the partner
    Mr Khan, whom it identifies. ``whole`` is :func:`whole_family_names` when the caller has it already.
    """
    if len(span.words) != 1 or not any(p.role == "subject" for p in span.people):
        return False
    if any(span.words[0] in p.given for p in span.people if p.role != "subject"):
        return False  # "Frank" is also the given name of the mother's partner: it may identify him
    return span.words[0] in (whole if whole is not None else whole_family_names(subject))


def decide_name(span: Span, context: RedactionContext, subject_is_child: bool,
                whole: frozenset[str] | None = None) -> tuple[Whose, str]:
    """Whom a name span identifies, with the reason an officer reads."""
    people = span.people
    if bare_subject_surname(span, context.subject, whole) and not span.titled and not span.initialled:
        return Whose.SUBJECT, "the subject's surname alone: identifies no one new"
    if people:
        if span.titled:
            others = tuple(p for p in people if p.role != "subject")
            if others or subject_is_child:
                people = others
        if not people:
            return Whose.THIRD_PARTY, "a title with the subject's surname: an adult relative, not the subject"
        if span.relation_cue:  # "her uncle Andrei": a relative, not the subject nor a professional of that name
            people = tuple(p for p in people if p.role not in ("professional", "subject"))
            if not people:
                return Whose.THIRD_PARTY, "named as a relative or acquaintance, on no list"
        roles = {p.role for p in people}
        if span.professional_cue and "professional" in roles:
            people = tuple(p for p in people if p.role == "professional")  # "Ms Evans (family support worker)"
            roles = {"professional"}
        elif span.professional_cue and len(span.words) == 1 and "subject" not in roles:
            # "class teacher, Ms Brook": the role named beside a bare surname outweighs a relative's surname
            return Whose.PROFESSIONAL, "professional acting in role (role named beside the name)"
        if roles == {"subject"}:
            return Whose.SUBJECT, "the subject's own name"
        if roles <= {"professional", "subject"}:
            pro = next(p for p in people if p.role == "professional")
            return Whose.PROFESSIONAL, f"professional acting in role: {_role_text(pro)}"
        tp = [p for p in people if p.role not in ("subject", "professional")]
        described = ", ".join(sorted({_role_text(p) for p in tp}))
        if len(people) > len(tp):
            return Whose.THIRD_PARTY, f"listed as involved: {described} (could also be someone kept; redacted)"
        return Whose.THIRD_PARTY, f"listed as involved: {described}"
    if span.professional_cue and not span.relation_cue:
        return Whose.PROFESSIONAL, "professional acting in role (role named beside the name)"
    return Whose.THIRD_PARTY, f"{span.reason}: not the subject"


def decide_identifier(span: Span, context: RedactionContext, own: frozenset[str]) -> tuple[Whose, str]:
    """Whom an identifier span identifies: the subject's own, a professional's work email, or someone else."""
    config = context.config
    protected = [p for p in span.people if p.role in config.protected_address_roles] if span.people else None
    if protected:
        return Whose.THIRD_PARTY, f"{span.reason}: {_role_text(protected[0])}'s address, kept from requesters"
    if span.key in own:
        return Whose.SUBJECT, f"the subject's own {span.reason}"
    if span.people and all(p.role == "subject" for p in span.people):
        return Whose.SUBJECT, f"the subject's own {span.reason}"
    if span.kind is Kind.EMAIL:
        domain = span.key.rsplit("@", 1)[-1]
        if any(domain == d or domain.endswith("." + d) for d in config.professional_email_domains):
            return Whose.PROFESSIONAL, "work email address of a public body"
    if span.people:
        return Whose.THIRD_PARTY, f"{span.reason}: {_role_text(span.people[0])}"
    return Whose.THIRD_PARTY, f"{span.reason}: not the subject's"


def decide(spans: Iterable[Span], context: RedactionContext, subject_is_child: bool = True) -> list[Proposal]:
    """A proposal for every span: redact with TP when it identifies someone other than subject or professional."""
    own, whole, named, identified = _answers(context, subject_is_child)
    out: list[Proposal] = []
    name, third_party = Kind.NAME, Whose.THIRD_PARTY  # an enum member looked up once, not per span
    for span in spans:
        if span.kind is name:
            evidence = (id(span.people), span.words, span.titled, span.initialled, span.professional_cue,
                        span.relation_cue, span.reason)
            hit = named.get(evidence)
            if hit is None:
                hit = named[evidence] = (decide_name(span, context, subject_is_child, whole), span.people)
            whose, reason = hit[0]
        elif span.people:  # a listed person's address: rare, and each span has its own people tuple
            whose, reason = decide_identifier(span, context, own)
        else:  # with no people, the answer depends on the key, kind and reason only
            clue = (span.key, id(span.kind), span.reason)  # a kind by id: an enum member hashes in Python
            seen = identified.get(clue)
            if seen is None:
                seen = identified[clue] = decide_identifier(span, context, own)
            whose, reason = seen
        redact = whose is third_party
        out.append(Proposal(span.start, span.end, span.kind, span.key, whose, redact,
                                THIRD_PARTY if redact else None, reason))
    return out


_Answers = tuple[frozenset[str], frozenset[str], dict[tuple[object, ...], tuple[tuple[Whose, str], tuple[Person, ...]]],
                 dict[tuple[str, int, str], tuple[Whose, str]]]
_BY_CONTEXT: dict[tuple[int, bool], tuple[RedactionContext, _Answers]] = {}
_BY_CONTEXT_MAX: Final = 64


def _answers(context: RedactionContext, subject_is_child: bool) -> _Answers:
    """The subject's own keys, whole family names, and the answers given so far, per context object.

    Why per context: a request's records share one context and name the same people with the same
    evidence, so one answer serves every record. Names are keyed by the id of their people tuple (the
    detector shares one per name; a dataclass hashes slowly), and each entry keeps its tuple alive, so no
    other tuple can take its id while the entry lives; identifiers with no listed people by their key.
    The entry holds the context, so its id cannot be reused by another object either.
    """
    hit = _BY_CONTEXT.get((id(context), subject_is_child))
    if hit is not None and hit[0] is context:
        return hit[1]
    answers: _Answers = (subject_keys(context.subject, context.subject_contacts),
                         whole_family_names(context.subject), {}, {})
    if len(_BY_CONTEXT) >= _BY_CONTEXT_MAX:
        del _BY_CONTEXT[next(iter(_BY_CONTEXT))]
    _BY_CONTEXT[(id(context), subject_is_child)] = (context, answers)
    return answers
