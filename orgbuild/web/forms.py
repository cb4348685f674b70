"""The base of every WTForm: besides CSRF (Flask-WTF), no text field may carry a control character or NUL."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from ..domain import rules


class Form(FlaskForm):
    """FlaskForm that refuses control characters and NUL in its text fields, with a message on the field."""

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then no control characters in any text (passwords are left as typed)."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, StringField) and not isinstance(field, PasswordField) and rules.has_control_chars(field.data):
                field.errors = list(field.errors) + [_(rules.CONTROL_CHARS_MESSAGE)]
                valid = False
        return valid
