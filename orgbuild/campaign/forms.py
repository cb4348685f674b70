"""WTForms for each step: sign-in, survey data, visit, founding, onboarding and reason-only steps.

Forms check the shape of the input (types, required, lengths); the rules live in ``rules``,
``workflow`` and the services, whose refusals the views put back on these forms.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ..domain import rules, workflow
from ..domain.rules import INDUSTRIES, ORG_TYPES
from ..i18n import translate_message
from ..web.forms import Form
from .actions import local_today


class CheckedRange(NumberRange):
    """NumberRange that stays silent when the field could not read a number at all: the field's own
    message ("不是有效的整数。") already says what is wrong, a range message would only confuse."""

    def __call__(self, form, field) -> None:
        """Check the range of a number that was read; stop quietly when none was."""
        if field.data is None and field.process_errors:
            raise StopValidation()
        super().__call__(form, field)


class UnitsField(SelectMultipleField):
    """Registered organisations chosen from the user's scope; WTForms' own message for a value outside
    the choices has no Chinese translation, so this field says it in ours."""

    def __init__(self, *args, **kwargs) -> None:
        """A SelectMultipleField that templates style as one (they test ``field.type``)."""
        super().__init__(*args, **kwargs)
        self.type = "SelectMultipleField"

    def pre_validate(self, form) -> None:
        """Refuse an organisation that is not among the choices, in the interface language."""
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_l("所选联建单位不在可选范围内")) from None


TOO_LARGE = CheckedRange(max=rules.MAX_COUNT, message=_l("数值过大：不能超过%(max)d", max=rules.MAX_COUNT))
COUNT = [Optional(), CheckedRange(min=0, message=_l("不能为负数")), TOO_LARGE]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class LoginForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请填写用户名")), Length(max=80)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请填写密码"))])
    remember = BooleanField(_l("记住我"))
    submit = SubmitField(_l("登录"))


class SurveyForm(Form):
    """Survey data of an organisation (create and edit)."""

    version = HiddenField()
    #: the survey values the edit form was opened with (JSON): an edit on an older version is merged
    #: field by field with what changed since (actions.merge_survey)
    opened_values = HiddenField()
    name = StringField(_l("单位名称"), validators=[DataRequired(message=_l("请填写单位名称")), Length(max=200)])
    credit_code = StringField(
        _l("统一社会信用代码"), validators=[DataRequired(message=_l("请填写统一社会信用代码")), Length(max=40)]
    )
    street_id = SelectField(_l("所属街道"), coerce=_optional_int, validators=[InputRequired(message=_l("请选择所属街道"))])
    community_id = SelectField(_l("所属社区"), coerce=_optional_int, validators=[Optional()])
    industry = SelectField(_l("行业类别"), validators=[Optional()])
    org_type = SelectField(_l("单位类型"), validators=[Optional()])
    employees = IntegerField(_l("从业人员数"), validators=COUNT)
    youth_count = IntegerField(_l("35岁以下青年数"), validators=COUNT)
    league_members = IntegerField(_l("团员数"), validators=COUNT)
    party_members = IntegerField(_l("党员数"), validators=COUNT)
    has_party_org = BooleanField(_l("已建立党组织"))
    party_secretary = StringField(_l("党组织书记"), validators=[Optional(), Length(max=80)])
    has_league_org = BooleanField(_l("摸排时已建立团组织"))
    league_contact = StringField(_l("团组织负责人及电话"), validators=[Optional(), Length(max=120)])
    contact_person = StringField(_l("联系人"), validators=[Optional(), Length(max=80)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=300)])
    officer_id = SelectField(_l("负责团干"), coerce=_optional_int, validators=[Optional()])
    surveyed_on = DateField(_l("摸排日期"), validators=[Optional()])  # blank: today on creation, unchanged on edit
    #: shown on creation when likely duplicates were found (duplicates/): the person confirms
    confirm_duplicate = BooleanField(_l("我已核对，这不是重复的组织，仍要登记"))
    submit = SubmitField(_l("保存"))

    def validate_credit_code(self, field) -> None:
        problem = rules.credit_code_error(rules.normalize_credit_code(field.data))
        if problem:
            raise ValidationError(translate_message(problem))


class StepForm(Form):
    """What every step form carries besides its fields: the organisation's version and status when the
    form was opened (the conflict check) and a one-time submission key (a resubmission changes nothing)."""

    version = HiddenField()
    opened_status = HiddenField()
    submission_key = HiddenField()


class VisitForm(StepForm):
    visit_date = DateField(_l("走访日期"), default=local_today, validators=[InputRequired(message=_l("请填写走访日期"))])
    outcome = SelectField(
        _l("走访结果"),
        # no default: the officer chooses; the empty first option is what a browser shows selected
        choices=[("", _l("请选择"))] + [(k, _l(v)) for k, v in workflow.VISIT_OUTCOMES.items()],
        validators=[InputRequired(message=_l("请选择走访结果"))],
    )
    met_with = StringField(_l("接待人"), validators=[Optional(), Length(max=120)])
    notes = TextAreaField(_l("情况记录"), validators=[Optional(), Length(max=4000)])
    next_follow_up = DateField(_l("下次跟进日期"), validators=[Optional()])
    submit = SubmitField(_l("保存走访"))

    def validate_next_follow_up(self, field) -> None:
        if field.data and self.visit_date.data and field.data < self.visit_date.data:
            raise ValidationError(_l("下次跟进日期不能早于走访日期"))


class EstablishForm(StepForm):
    name = StringField(_l("团组织全称"), validators=[DataRequired(message=_l("请填写团组织全称")), Length(max=200)])
    branch_type = SelectField(_l("团组织类型"), choices=[(k, _l(v)) for k, v in rules.BRANCH_TYPES.items()])
    member_count = IntegerField(
        _l("团员人数"), validators=[InputRequired(message=_l("请填写团员人数")), CheckedRange(min=0, message=_l("不能为负数")), TOO_LARGE]
    )
    youth_count = IntegerField(_l("35岁以下青年数"), validators=COUNT)
    founded_on = DateField(_l("成立日期"), default=local_today, validators=[InputRequired(message=_l("请填写成立日期"))])
    parent_org = StringField(_l("上级团组织"), validators=[Optional(), Length(max=200)])
    application_date = DateField(_l("申请日期"), validators=[Optional()])
    approval_doc_no = StringField(_l("批复文号"), validators=[Optional(), Length(max=80)])
    approval_date = DateField(_l("批复日期"), validators=[Optional()])
    election_date = DateField(_l("选举日期"), validators=[Optional()])
    secretary = StringField(_l("团组织书记"), validators=[Optional(), Length(max=80)])
    deputy_secretary = StringField(_l("副书记"), validators=[Optional(), Length(max=80)])
    committee_members = StringField(_l("委员"), validators=[Optional(), Length(max=300)])
    term_years = IntegerField(_l("任期（年）"), validators=[Optional(), CheckedRange(min=1, max=3, message=_l("任期为1至3年"))])
    covered_org_ids = UnitsField(_l("联建单位（已登记）"), coerce=int, validators=[Optional()])
    covered_units = TextAreaField(_l("联建单位（未登记的，每行一个）"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("建立团组织"))

    BRANCH_FIELDS = (
        "name", "branch_type", "member_count", "youth_count", "founded_on", "parent_org", "application_date",
        "approval_doc_no", "approval_date", "election_date", "secretary", "deputy_secretary",
        "committee_members", "term_years", "covered_units",
    )

    def branch_values(self) -> dict:
        return {name: getattr(self, name).data for name in self.BRANCH_FIELDS}


class OnboardForm(StepForm):
    onboarded_on = DateField(_l("入驻日期"), default=local_today, validators=[InputRequired(message=_l("请填写入驻日期"))])
    platform_code = StringField(
        _l("智慧团建组织编码"), validators=[DataRequired(message=_l("请填写智慧团建组织编码")), Length(max=80)]
    )
    submit = SubmitField(_l("确认入驻"))


def with_evidence(form_class: type[StepForm], what: str, accept: str, required: bool = True) -> type[StepForm]:
    """The step's form with an evidence field (photos or PDF scans): for a step the setting
    ORGBUILD_EVIDENCE_REQUIRED names (the status machine refuses the step without a file), and,
    optional, on every visit form (a photo taken offline is queued with the visit)."""

    class EvidenceForm(form_class):
        evidence = MultipleFileField(
            _l("证明材料（%(what)s）", what=_l(what)),
            description=(_l("照片（JPEG、PNG）或 PDF 扫描件，可选多个；此步骤须至少附一个") if required
                         else _l("可不附；照片（JPEG、PNG）或 PDF 扫描件，可选多个")),
            render_kw={"accept": accept},
        )

    EvidenceForm.__name__ = form_class.__name__
    return EvidenceForm


class ReasonForm(StepForm):
    """For steps that need only a reason: mark ineligible, reopen, close, revert."""

    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("确认"))
