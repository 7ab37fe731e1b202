"""Staff sign-in forms: password, security code (TOTP), and choosing a password from an emailed link.

The messages say what to do, not what went wrong in detail: whether an email address belongs to anyone
is never revealed (``rights.users.GENERIC_FAILURE`` is shown for every failure).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password"), Length(max=200)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField("Security code", widget=GovTextInput(),
                       description="The 6-digit code shown in your authenticator app",
                       validators=[InputRequired("Enter the security code"), Length(max=10)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    new = PasswordField("New password", widget=GovPasswordInput(),
                        description="At least 12 characters. A few unrelated words make a good password.",
                        validators=[InputRequired("Enter a new password"), Length(max=200)])
    confirm = PasswordField("Confirm new password", widget=GovPasswordInput(),
                            validators=[InputRequired("Confirm your new password"),
                                        EqualTo("new", "The passwords do not match")])
    submit = SubmitField("Save password", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """Only a CSRF token: signing out is a POST so another site cannot sign an officer out."""
