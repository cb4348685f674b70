"""WTForms for accounts: changing one's own password, and the admin's user forms.

Kept apart from ``campaign/forms.py`` (organisation forms); the password policy itself lives in
``accounts.password_problem`` and reaches these forms through the service's refusals.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..web.forms import Form

ROLE_LABELS = {"admin": _l("管理员"), "supervisor": _l("团区委"), "officer": _l("街道团干"),
               "secretary": _l("团支部书记")}


class ChangePasswordForm(Form):
    """A user changes their own password."""

    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请填写当前密码"))])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请填写新密码")), Length(max=200)])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(message=_l("请再次输入新密码")), EqualTo("new_password", message=_l("两次输入的密码不一致"))],
    )
    submit = SubmitField(_l("修改密码"))


class UserForm(Form):
    """Role, streets, display name and e-mail address of an account (create and edit)."""

    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请填写用户名")), Length(max=80)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=80)])
    #: where the daily digest (and a supervisor's weekly summary) goes; checked by accounts.clean_email
    email = EmailField(_l("电子邮箱"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("角色"), choices=[(k, v) for k, v in ROLE_LABELS.items()])
    street_ids = SelectMultipleField(_l("负责街道"), coerce=int, validators=[Optional()])
    #: 0: the whole city (shown only when the deployment holds more than one district)
    district_id = SelectField(_l("所属区"), coerce=int, default=0, validators=[Optional()])
    #: a branch secretary's organisation, by its unified social credit code (that role only)
    org_code = StringField(_l("所在组织的统一社会信用代码（团支部书记）"), validators=[Optional(), Length(max=40)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(max=200)])
    version = HiddenField()  # the account's version the form was opened at (edit only)
    submit = SubmitField(_l("保存"))


class ResetPasswordForm(Form):
    """An admin sets a new password for someone."""

    new_password = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请填写新密码")), Length(max=200)])
    submit = SubmitField(_l("重置密码"))


class ConfirmForm(Form):
    """A button-only POST (deactivate / reactivate) that still carries the CSRF token."""

    submit = SubmitField(_l("确认"))


class TokenForm(Form):
    """A new personal access token of the JSON API (accounts/tokens.py)."""

    name = StringField(_l("用途"), validators=[Optional(), Length(max=80)],
                       description=_l("例如：街道台账同步；列表中用来区分令牌"))
    access = SelectField(_l("权限"), choices=[("read", _l("只读")), ("write", _l("读写（可登记走访）"))], default="read")
    expires_days = SelectField(_l("有效期"), choices=[("30", _l("30天")), ("90", _l("90天")), ("180", _l("180天")),
                                                     ("366", _l("一年"))], default="90")
    submit = SubmitField(_l("创建令牌"))
