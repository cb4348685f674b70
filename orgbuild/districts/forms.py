"""WTForms of the streets and communities page: a street (name and code) and a community (name).

The rules (name forms, the 9-digit code, uniqueness) live in ``domain.rules`` and the service; the
forms only check the shape and carry the service's refusals back to the fields.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..web.forms import Form


class StreetForm(Form):
    """A street's name (with or without 街道) and its 9-digit code (may stay empty)."""

    short_name = StringField(_l("街道名称"), validators=[DataRequired(message=_l("请填写名称")), Length(max=60)])
    code = StringField(_l("街道代码（9位，未知可留空）"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("保存街道"))


class CommunityForm(Form):
    """A community's name (with or without 社区)."""

    name = StringField(_l("社区名称"), validators=[DataRequired(message=_l("请填写名称")), Length(max=60)])
    submit = SubmitField(_l("保存社区"))
