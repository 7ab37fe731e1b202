"""Retention: closed cases purged after their period, proofs of identity after verification, short-lived
copies (CCTV) after their source's own period, never an open or held case. The rules are pure
(:mod:`.policy`); :mod:`.purge` applies them and reports; :mod:`.holds` places and lifts legal holds.

Imports: models, workflow (closed stages), audit, security (the file store), config.
"""

from rights.retention.holds import lift_hold, place_hold
from rights.retention.policy import CaseFacts, Rules, case_due, copy_due, id_document_due
from rights.retention.purge import Report, dependants, purge_case, run

__all__ = ["CaseFacts", "Report", "Rules", "case_due", "copy_due", "dependants", "id_document_due", "lift_hold",
           "place_hold", "purge_case", "run"]
