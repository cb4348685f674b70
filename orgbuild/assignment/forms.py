"""WTForms of the assignment pages: bulk assignment, auto-assign of a street, an officer's handover."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, Optional

from ..web.forms import Form


class BulkAssignForm(Form):
    """Give the ticked organisations, or the whole filter result, to one officer."""

    officer_id = SelectField(_l("负责团干"), coerce=int, validators=[DataRequired(message=_l("请选择负责团干"))])
    org_ids = SelectMultipleField(_l("组织"), coerce=int, validate_choice=False, validators=[Optional()])
    whole_filter = BooleanField(_l("分配全部筛选结果"))
    submit = SubmitField(_l("分配"))


class AutoAssignForm(Form):
    """Apply the previewed auto-assignment of a street."""

    street_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("确认自动分配"))


class HandoverForm(Form):
    """Where a deactivated officer's organisations go."""

    to_id = SelectField(_l("接手团干"), coerce=int, default=0, validators=[Optional()])
    submit = SubmitField(_l("移交并停用"))
