"""Branch quality after founding (DOMAIN.md "After founding"), pure: the kinds of organisational
life and of membership change, the hollow-branch thresholds, and the annual grading (对标定级):
five area scores adding up to at most 100, a veto item, the star level they give, and who is eligible.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .rules import N_, Message

#: Organisational life (三会两制一课 and the rest), code → label.
ACTIVITY_KINDS: dict[str, str] = {
    "general_meeting": N_("支部团员大会"),
    "committee_meeting": N_("支部委员会"),
    "group_meeting": N_("团小组会"),
    "league_lecture": N_("团课"),
    "theme_day": N_("主题团日"),
    "member_review": N_("团员教育评议"),
    "party_recommendation": N_("推优入党"),
}

#: Membership changes, code → (label, sign of the change).
MEMBERSHIP_KINDS: dict[str, tuple[str, int]] = {
    "recruited": (N_("发展团员"), 1),
    "transferred_in": (N_("转入"), 1),
    "transferred_out": (N_("转出"), -1),
}

#: A branch with fewer members than this is a warning sign (DOMAIN.md).
MIN_MEMBERS = 3
#: Days without organisational life after which a branch is warned (a quarter), by default.
DEFAULT_IDLE_DAYS = 90

#: The five areas of 对标定级 (五评), field → label.
AREAS: dict[str, str] = {
    "leadership": N_("班子建设"),
    "members": N_("团员管理"),
    "org_life": N_("组织生活"),
    "rules": N_("制度落实"),
    "impact": N_("作用发挥"),
}

#: Star levels from the best down: (code, label, lowest total).
LEVELS: tuple[tuple[str, str, int], ...] = (
    ("five_star", N_("五星级"), 90),
    ("four_star", N_("四星级"), 80),
    ("three_star", N_("三星级"), 70),
    ("lagging", N_("后进"), 60),
    ("weak", N_("软弱涣散"), 0),
)
LEVEL_LABELS = {code: label for code, label, _ in LEVELS}
#: Levels that raise a warning of their own.
WEAK_LEVELS = ("lagging", "weak")
#: Branch types that are never graded (mobile and temporary branches).
UNGRADED_TYPES = ("mobile_branch", "temporary_branch")


@dataclass(frozen=True)
class Scores:
    """The five area scores of a grading and its veto item."""

    leadership: int
    members: int
    org_life: int
    rules: int
    impact: int
    veto: bool = False

    @property
    def total(self) -> int:
        return self.leadership + self.members + self.org_life + self.rules + self.impact


def score_errors(scores: Scores) -> list[tuple[str | None, Message]]:
    """Why the scores cannot be recorded: an area below 0 or above 100, or a total above 100.

    >>> score_errors(Scores(20, 20, 20, 20, 20))
    []
    >>> [m for _, m in score_errors(Scores(30, 30, 30, 10, 10))]
    ['五项得分合计110分，超过满分100分']
    """
    errors: list[tuple[str | None, Message]] = []
    for name, label in AREAS.items():
        value = getattr(scores, name)
        if value is None or not 0 <= value <= 100:
            errors.append((name, Message("%(area)s的得分须在0到100之间", area=label)))
    if not errors and scores.total > 100:
        errors.append((None, Message("五项得分合计%(total)d分，超过满分100分", total=scores.total)))
    return errors


def level_of(scores: Scores) -> str:
    """The star level the scores give: 软弱涣散 under 60 or with a veto item, else by the total.

    >>> level_of(Scores(20, 18, 18, 17, 17)), level_of(Scores(20, 20, 20, 20, 20, veto=True))
    ('five_star', 'weak')
    >>> level_of(Scores(16, 16, 16, 16, 16)), level_of(Scores(12, 12, 12, 12, 11))
    ('four_star', 'weak')
    """
    if scores.veto:
        return "weak"
    return next(code for code, _, floor in LEVELS if scores.total >= floor)


def eligibility_cutoff(grading_day: date, months: int = 6) -> date:
    """The latest founding date that is graded: `months` before the grading day (1 June for a
    grading on 1 December), the day clamped to the month's end.

    >>> eligibility_cutoff(date(2022, 12, 1)), eligibility_cutoff(date(2022, 8, 31))
    (datetime.date(2022, 6, 1), datetime.date(2022, 2, 28))
    """
    month = grading_day.month - months
    year = grading_day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(grading_day.day, (next_month - timedelta(days=1)).day))


def eligibility_refusal(founded_on: date | None, branch_type: str, cutoff: date) -> Message | None:
    """Why a branch is not graded in a round whose founding cut-off is `cutoff`, or None.

    >>> eligibility_refusal(date(2022, 1, 5), "branch", date(2022, 6, 1)) is None
    True
    >>> eligibility_refusal(date(2022, 7, 1), "branch", date(2022, 6, 1))
    '成立于2022-07-01，晚于本轮定级的成立日期截止日2022-06-01，本年度不参加定级'
    """
    if branch_type in UNGRADED_TYPES:
        return Message("流动团支部和临时团支部不参加定级")
    if founded_on is None or founded_on > cutoff:
        return Message("成立于%(founded)s，晚于本轮定级的成立日期截止日%(cutoff)s，本年度不参加定级",
                       founded=founded_on.isoformat() if founded_on else "—", cutoff=cutoff.isoformat())
    return None


def _day_errors(field: str, day: date | None, today: date, founded_on: date | None,
                messages: tuple[Message, Message, Message]) -> list[tuple[str | None, Message]]:
    """The refusal of a record's date, if any: missing, after today, or before the founding
    (`messages` say each, in that order)."""
    missing, future, early = messages
    if day is None:
        return [(field, missing)]
    if day > today:
        return [(field, future)]
    if founded_on is not None and day < founded_on:
        return [(field, early)]
    return []


def activity_errors(kind: str, held_on: date | None, attendance: int | None, today: date,
                    founded_on: date | None) -> list[tuple[str | None, Message]]:
    """Why an activity cannot be recorded (kind, date after today or before the founding, attendance).

    >>> activity_errors("theme_day", date(2022, 5, 4), 12, date(2022, 6, 1), date(2022, 1, 1))
    []
    >>> [f for f, _ in activity_errors("party", date(2022, 7, 1), -1, date(2022, 6, 1), date(2022, 1, 1))]
    ['kind', 'held_on', 'attendance']
    """
    errors: list[tuple[str | None, Message]] = []
    if kind not in ACTIVITY_KINDS:
        errors.append(("kind", Message("请选择活动类型")))
    errors += _day_errors("held_on", held_on, today, founded_on, (
        Message("请填写活动日期"), Message("活动日期不能晚于今天"),
        Message("活动日期不能早于团组织成立日期%(day)s", day=founded_on.isoformat() if founded_on else "")))
    if attendance is None or attendance < 0:
        errors.append(("attendance", Message("参加人数不能为负数")))
    elif attendance > 100000:
        errors.append(("attendance", Message("参加人数过大")))
    return errors


def membership_errors(kind: str, changed_on: date | None, count: int | None, today: date,
                      founded_on: date | None, members_before: int) -> list[tuple[str | None, Message]]:
    """Why a membership change cannot be recorded (a transfer out of more members than there are…).

    >>> [m for _, m in membership_errors("transferred_out", date(2022, 3, 1), 5, date(2022, 6, 1), None, 3)]
    ['转出人数（5）多于当日团员人数（3）']
    """
    errors: list[tuple[str | None, Message]] = []
    if kind not in MEMBERSHIP_KINDS:
        errors.append(("kind", Message("请选择变动类型")))
    errors += _day_errors("changed_on", changed_on, today, founded_on, (
        Message("请填写变动日期"), Message("变动日期不能晚于今天"),
        Message("变动日期不能早于团组织成立日期%(day)s", day=founded_on.isoformat() if founded_on else "")))
    if count is None or count < 1:
        errors.append(("count", Message("人数至少为1")))
    elif count > 100000:
        errors.append(("count", Message("人数过大")))
    elif kind == "transferred_out" and count > members_before:
        errors.append(("count", Message("转出人数（%(count)d）多于当日团员人数（%(members)d）",
                                        count=count, members=members_before)))
    return errors


#: The longest a rectification (整顿) may be given, in days (a year), and the most items it lists.
MAX_RECTIFICATION_DAYS = 366
MAX_RECTIFICATION_ITEMS = 30


def rectification_errors(items: list[str], deadline: date | None, today: date,
                         has_officer: bool) -> list[tuple[str | None, Message]]:
    """Why a rectification task cannot be opened: no item, no responsible officer, a deadline
    missing, past, or more than a year away.

    >>> rectification_errors(["每月召开支部委员会"], date(2022, 9, 1), date(2022, 6, 1), True)
    []
    >>> [f for f, _ in rectification_errors([], date(2022, 5, 1), date(2022, 6, 1), False)]
    ['items', 'officer_id', 'deadline']
    """
    errors: list[tuple[str | None, Message]] = []
    if not items:
        errors.append(("items", Message("请填写整顿事项（每行一项）")))
    elif len(items) > MAX_RECTIFICATION_ITEMS:
        errors.append(("items", Message("整顿事项最多%(n)d项", n=MAX_RECTIFICATION_ITEMS)))
    if not has_officer:
        errors.append(("officer_id", Message("请选择负责的团干")))
    if deadline is None:
        errors.append(("deadline", Message("请填写整顿期限")))
    elif deadline <= today:
        errors.append(("deadline", Message("整顿期限须晚于今天")))
    elif deadline > today + timedelta(days=MAX_RECTIFICATION_DAYS):
        errors.append(("deadline", Message("整顿期限不能超过一年")))
    return errors


def close_errors(note: str) -> list[tuple[str | None, Message]]:
    """Why a rectification task cannot be closed: it needs a note of what was done.

    >>> [m for _, m in close_errors("  ")]
    ['请填写整顿完成情况']
    """
    return [] if (note or "").strip() else [("note", Message("请填写整顿完成情况"))]


def round_errors(year: int, held_on: date | None, cutoff_on: date | None,
                 five_star_cap: int | None) -> list[tuple[str | None, Message]]:
    """Why a grading round cannot be recorded: its date outside its year, a cut-off after the
    round's date, a five-star cap outside 0–100.

    >>> round_errors(2022, date(2022, 12, 1), date(2022, 12, 1), 20)
    []
    >>> [f for f, _ in round_errors(2022, date(2023, 1, 5), date(2023, 2, 1), 120)]
    ['held_on', 'cutoff_on', 'five_star_cap']
    """
    errors: list[tuple[str | None, Message]] = []
    if held_on is None:
        errors.append(("held_on", Message("请填写定级日期")))
    elif held_on.year != year:
        errors.append(("held_on", Message("定级日期须在%(year)d年内", year=year)))
    if cutoff_on is None:
        errors.append(("cutoff_on", Message("请填写截止日期")))
    elif held_on is not None and cutoff_on > held_on:
        errors.append(("cutoff_on", Message("截止日期不能晚于定级日期")))
    if five_star_cap is None or not 0 <= five_star_cap <= 100:
        errors.append(("five_star_cap", Message("五星级比例上限须在0到100之间")))
    return errors
