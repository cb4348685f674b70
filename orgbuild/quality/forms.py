"""The forms of a branch's organisational life: one activity, one membership change (shape only;
the rules are in domain/quality.py and the service)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..campaign.actions import local_today
from ..campaign.forms import TOO_LARGE, CheckedRange
from ..domain import quality as rules
from ..web.forms import Form


SCORE = [InputRequired(message=_l("请填写得分")), CheckedRange(min=0, max=100, message=_l("得分须在0到100之间"))]


class ActivityForm(Form):
    kind = SelectField(_l("活动类型"), choices=[(k, _l(v)) for k, v in rules.ACTIVITY_KINDS.items()],
                       validators=[InputRequired(message=_l("请选择活动类型"))])
    held_on = DateField(_l("活动日期"), default=local_today, validators=[InputRequired(message=_l("请填写活动日期"))])
    attendance = IntegerField(_l("参加人数"), validators=[InputRequired(message=_l("请填写参加人数")),
                                                        CheckedRange(min=0, message=_l("不能为负数")), TOO_LARGE])
    note = TextAreaField(_l("简要记录"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存活动"))


class MembershipForm(Form):
    change_kind = SelectField(_l("变动类型"), choices=[(k, _l(v[0])) for k, v in rules.MEMBERSHIP_KINDS.items()],
                              validators=[InputRequired(message=_l("请选择变动类型"))])
    changed_on = DateField(_l("变动日期"), default=local_today, validators=[InputRequired(message=_l("请填写变动日期"))])
    count = IntegerField(_l("人数"), validators=[InputRequired(message=_l("请填写人数")),
                                               CheckedRange(min=1, message=_l("人数至少为1")), TOO_LARGE])
    change_note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit_change = SubmitField(_l("保存变动"))


class GradingForm(Form):
    """The five area scores (五评), the veto item and, for a return, the reason."""

    leadership = IntegerField(_l("班子建设"), validators=SCORE)
    members = IntegerField(_l("团员管理"), validators=SCORE)
    org_life = IntegerField(_l("组织生活"), validators=SCORE)
    rules = IntegerField(_l("制度落实"), validators=SCORE)
    impact = IntegerField(_l("作用发挥"), validators=SCORE)
    veto = BooleanField(_l("存在一票否决情形"))
    reason = TextAreaField(_l("退回原因（退回修改时必填）"), validators=[Optional(), Length(max=2000)])
