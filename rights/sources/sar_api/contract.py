"""The contract's constants: status codes, the real client's defaults, and the field-name rules."""


from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

PATH = "/subject-access-request"
NO_CONTENT = 204
IDENTIFIER_NOT_HANDLED = 209
# The real client's defaults (hmpps-subject-access-request: api.timeout 60s, max-retries 2, back-off PT10S).
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_SECONDS = 10.0
DEFAULT_MAX_ATTACHMENT_MB = 50
ANSWER_TTL = 300.0  # seconds an answer is reused between find_candidates and fetch_records
ANSWER_CACHE_SIZE = 16
TOKEN_MARGIN = 60.0  # a token is renewed this long before it expires
ROLES = frozenset({"subject", "family_member", "carer", "foster_carer", "professional", "other_child", "referrer",
                   "other"})
NAME_KEYS = {"given": ("firstName", "forename", "forenames", "givenName", "given_names", "firstNames"),
             "family": ("lastName", "surname", "familyName", "family_name"),
             "dob": ("dateOfBirth", "dob", "date_of_birth", "birthDate")}
# Where the subject's own details sit when they are not at the top of the content.
SUBJECT_SECTIONS = re.compile(r"prisoner|offender|person|subject|personal|pop|case", re.IGNORECASE)
# Date fields in preference order: when the record was made or the event happened.
PREFERRED_DATES = ("date", "eventDate", "eventTime", "dateCreated", "creationDateTime", "createdDateTime", "createdAt",
                   "created_at", "createdDate", "creationDate", "created", "dateTime", "recordedDate",
                   "recorded_at", "occurred_at", "incidentDate", "reviewTime", "assessmentDate", "submittedDate",
                   "requestedDate", "startDate", "allocatedAt", "whenCreated", "timestamp")
# A field whose name says it holds a date: ...Date, ...Time, ...At, ..._at, ...On, when..., or the plain words.
DATE_NAME = re.compile(r"([Dd]ate|[Tt]ime|[Tt]imestamp|[Tt]ime[Ss]tamp)$|[a-z0-9]At$|[a-z0-9]On$|_(at|on|date|time)$"
                       r"|^when[A-Z]|^date[A-Z]|[a-z](Updated|Created|Modified)$"
                       r"|^(date|time|created|updated|modified|timestamp)$")
FUTURE_NAME = re.compile(r"next|expir|due|deadline|release|until|end|eligib|overdue|remind", re.IGNORECASE)
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})([ T]\d{1,2}:\d{2}(:\d{2})?)?$")  # 19/11/2024 17:26:59
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
PERSON_ID_KEYS = ("prisonerNumber", "crn", "prn", "staffId", "userId", "username")
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
