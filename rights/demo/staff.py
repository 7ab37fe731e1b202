"""The demo's staff accounts: fixed, published credentials for ``rights demo`` on a laptop, never production.

Created through :func:`rights.users.create_user` like any account, so sign-in, MFA and roles behave as
they will for real staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from rights import audit
from rights.models import Role, User
from rights.runtime import Runtime
from rights.security import hash_password
from rights.users import UserError


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    password: str
    totp_secret: str
    services: tuple[str, ...] = ()


#: Fixed, published demo credentials: for ``rights demo`` on a laptop only, never production.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("officer@demo.council.example", "Olivia Officer", Role.OFFICER, "demo-officer-password",
                "DEMOOFFICERRIGHTSDESKTOTPSECRETA"),
    DemoAccount("manager@demo.council.example", "Manon Manager", Role.MANAGER, "demo-manager-password",
                "DEMOMANAGERRIGHTSDESKTOTPSECRETB"),
    DemoAccount("recordholder@demo.council.example", "Rory Recordholder", Role.RECORD_HOLDER,
                "demo-recordholder-password", "DEMOHOLDERRIGHTSDESKTOTPSECRETCC", ("childrens_social_care",)),
    DemoAccount("admin@demo.council.example", "Ada Admin", Role.ADMIN, "demo-admin-password",
                "DEMOADMINRIGHTSDESKTOTPSECRETDDD"),
)


def seed_demo_staff(rt: Runtime) -> list[str]:
    """Create the demo staff (idempotent) and return the lines ``rights demo`` prints to sign in with.

    The accounts are already enrolled with fixed TOTP secrets, so a newcomer can add the secret to any
    authenticator app, or print a code with ``python -c "import pyotp;print(pyotp.TOTP('<secret>').now())"``.
    """
    if rt.settings.env == "production":
        raise UserError("Demo accounts are never created in production.")
    cipher = rt.cipher
    lines = ["Demo staff accounts (sign in at /staff/sign-in; security code from the TOTP secret):"]
    with rt.db.transaction() as session:
        for acct in DEMO_ACCOUNTS:
            user = session.scalars(select(User).where(User.email == acct.email)).first()
            if user is None:
                user = User(email=acct.email, name=acct.name, role=acct.role.value, services=list(acct.services),
                            password_hash=hash_password(acct.password),
                            totp_secret_enc=cipher.encrypt(acct.totp_secret.encode()), mfa_enrolled=True,
                            active=True)
                session.add(user)
                session.flush()
                audit.record(session, "system", "user.created", target=f"user:{user.id}",
                             detail={"email": acct.email, "role": acct.role.value, "demo": True})
            services = f" ({', '.join(acct.services)})" if acct.services else ""
            lines.append(f"  {acct.role.value + services:38} {acct.email:36} password {acct.password:28} "
                         f"TOTP secret {acct.totp_secret}")
    lines.append("  a code now:  .venv/bin/python -c \"import pyotp;print(pyotp.TOTP('<secret>').now())\"")
    return lines


