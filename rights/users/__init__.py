"""Staff accounts: creation, sign-in (a password and a TOTP code), throttling, sessions and resets.

Why it is shaped like this (each module says more):

* :mod:`~rights.users.accounts`: accounts, and the single-use emailed link that sets a password. Nobody
  but the holder ever knows a password: no password is ever shown to an administrator.
* :mod:`~rights.users.signin`: two factors for everyone; the step between them is a server-side grant
  (``rights.tokens``), used once; the same answer and the same work for every failure.
* :mod:`~rights.users.throttle`: failures slow the address, the typed email or the trusted device, each
  on its own; nothing locks an account, and administrators are told when guessing starts.
* :mod:`~rights.users.sessions`: signed-in sessions live on the server; sign-out, idle expiry,
  deactivation and resets end them at once.
* :mod:`~rights.users.changes`: password and authenticator resets, and a new account's first password,
  are asked for by one administrator and made only when a different one approves; the holder is emailed.

No Flask here: the views in ``rights/web/auth.py`` and ``rights/web/dashboard/admin.py`` and the
``rights users`` commands all call these functions, through this package's names.
"""

from rights.users.accounts import (
    LINK_LIFETIME,
    MIN_PASSWORD_LENGTH,
    UNUSABLE,
    UserError,
    create_user,
    issue_link,
    link_holder,
    normalise_email,
    password_problem,
    set_active,
    set_password_with_link,
    validate_services,
)
from rights.users.changes import (
    KINDS,
    ApprovalRefused,
    apply_now,
    approve,
    history,
    open_change,
    request_change,
    waiting,
    withdraw,
)
from rights.users.sessions import (
    SessionCheck,
    check_session,
    end_all_sessions,
    end_session,
    peek_session,
    start_session,
)
from rights.users.signin import (
    GENERIC_CODE_FAILURE,
    GENERIC_FAILURE,
    RESTART,
    SignInResult,
    check_code,
    check_password,
    enrolment,
    matching_step,
    pending,
    totp_secret,
    trust_device,
    unknown_target,
)

__all__ = [
    "GENERIC_CODE_FAILURE",
    "GENERIC_FAILURE",
    "KINDS",
    "LINK_LIFETIME",
    "MIN_PASSWORD_LENGTH",
    "RESTART",
    "UNUSABLE",
    "ApprovalRefused",
    "SessionCheck",
    "SignInResult",
    "UserError",
    "apply_now",
    "approve",
    "check_code",
    "check_password",
    "check_session",
    "create_user",
    "end_all_sessions",
    "end_session",
    "enrolment",
    "history",
    "issue_link",
    "link_holder",
    "matching_step",
    "normalise_email",
    "open_change",
    "password_problem",
    "peek_session",
    "pending",
    "request_change",
    "set_active",
    "set_password_with_link",
    "start_session",
    "totp_secret",
    "trust_device",
    "unknown_target",
    "validate_services",
    "waiting",
    "withdraw",
]
