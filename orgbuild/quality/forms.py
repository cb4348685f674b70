"""The forms of a branch's organisational life: one activity, one membership change (shape only;
the rules are in domain/quality.py and the service)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
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
    #: optional evidence (a photo of the meeting, a PDF of its minutes), checked by attachments/files.py
    evidence = FileField(_l("活动照片或记录（可选，JPEG/PNG/PDF）"), validators=[Optional()])
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


class EvidenceForm(Form):
    """One more evidence file for an activity already logged."""

    file = FileField(_l("活动照片或记录（JPEG/PNG/PDF）"))
    submit_file = SubmitField(_l("上传"))


class RectificationForm(Form):
    """A rectification task (整顿): items one a line, the officer who answers for it, the deadline."""

    items = TextAreaField(_l("整顿事项（每行一项）"), validators=[InputRequired(message=_l("请填写整顿事项（每行一项）")),
                                                          Length(max=4000)])
    officer_id = SelectField(_l("负责团干"), coerce=int, validators=[InputRequired(message=_l("请选择负责的团干"))])
    deadline = DateField(_l("整顿期限"), validators=[InputRequired(message=_l("请填写整顿期限"))])
    submit_task = SubmitField(_l("下达整顿任务"))


class CloseTaskForm(Form):
    """Closing a rectification task needs a note of what was done."""

    note = TextAreaField(_l("整顿完成情况"), validators=[InputRequired(message=_l("请填写整顿完成情况")), Length(max=4000)])
    submit_close = SubmitField(_l("完成整顿"))


class RoundForm(Form):
    """A year's grading round: its date, the cut-off eligibility counts back from, the five-star cap."""

    year = IntegerField(_l("年度"), validators=[InputRequired(message=_l("请填写年度")),
                                              CheckedRange(min=2000, max=2100, message=_l("年度须在2000到2100之间"))])
    held_on = DateField(_l("定级日期"), validators=[InputRequired(message=_l("请填写定级日期"))])
    cutoff_on = DateField(_l("截止日期（成立满6个月方参加定级）"), validators=[InputRequired(message=_l("请填写截止日期"))])
    five_star_cap = IntegerField(_l("五星级比例上限（%）"), validators=[
        InputRequired(message=_l("请填写五星级比例上限")),
        CheckedRange(min=0, max=100, message=_l("五星级比例上限须在0到100之间"))])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit_round = SubmitField(_l("保存定级轮次"))
