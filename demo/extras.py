"""The demo township's newer parts (`flask demo extras`), on top of ``demo.township.load``:
联户走访 over the last two months, 主题党日 with attendance, a 三评 residents' survey, the
雷锋文明存折 (awards, one exchange at a counter), 议事 items with households' votes (one decided
into a branch commitment) and a 支部类型 on each branch.

Everything goes through the services (``services.practices``, ``services.civic``,
``services.org.orgs``); only timestamps are moved into the past afterwards, as
``demo.township`` does. ``load_extras`` is idempotent: every object is looked up by a natural
key first (member + household + day for a visit, branch + month for a party day, branch +
quarter for a survey, book + rule + reason for an award, counter + name for a good, the
``source_msg_id`` of an agenda item), so a second run changes nothing. The data are
deterministic (``random.Random``) up to "today", which moves: a run in a later month adds that
month's visits and party days. ``demo.township.load`` itself is not changed (tests rely on it).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from demo import township
from infra.clock import local_date, local_tz, now_utc
from infra.config import CivicSection, PracticesSection
from models import (
    Account,
    AgendaEvent,
    AgendaItem,
    AgendaMeeting,
    AgendaStatus,
    AgendaVote,
    CivicBook,
    CivicCounter,
    CivicEntry,
    CivicEntryKind,
    CivicGood,
    CivicRedemption,
    Commitment,
    CommitmentStatus,
    ContentStatus,
    FulfilmentLog,
    Household,
    HouseholdVisit,
    Member,
    Organisation,
    OrgKind,
    OutboundMessage,
    PartyDay,
    PartyDayAttendance,
    Review,
    Role,
    RoleGrant,
    Survey,
    SurveyResponse,
    TimelineEntry,
)
from services import commitments
from services.actors import Actor, actor_for_account, actor_for_member
from services.civic import agenda, book, exchange, outcome
from services.errors import Conflict
from services.fulfilment import logs
from services.org import orgs
from services.practices import party_day, survey, visits

SEED = township.SEED + 100

# Branch code → (支部类型, 组织形式); the types are those of the pledge-template catalogue.
BRANCH_TYPES = {"branch-1": "农村", "branch-2": "农村", "branch-3": "社区"}
HELD_LOG_NOTE = "上门劝导三户邻居远离网络赌博"  # a good deed that trips the word list
HELD_LOG_KEY = "demo-extras:held-log"
BRANCH_FORM = "党支部"


# 联户走访: how each member of a branch's roster visits their linked households, by roster
# position (all: every household each month; few: one or two; none: no visit at all).
def visit_pattern(position: int) -> str:
    if position == 4:
        return "none"
    return "few" if position % 3 == 1 else "all"


VISIT_NOTES = (
    "问了低保申请进展，讲了城乡居民医保缴费政策",
    "检查了院子和厨房卫生，提醒注意冬季用火用电安全",
    "老人腿脚不便，约好下周帮忙代购生活用品",
    "调解了与邻居因排水沟引起的矛盾，双方已握手言和",
    "了解了今年种植收成，记下了对机耕路的意见",
    "宣讲了耕地地力补贴政策，帮忙核对了补贴卡信息",
    "孩子在外务工，给留守老人量了血压，留了联系电话",
)

PARTY_DAY_TOPICS = (
    "学习贯彻党的二十届四中全会精神，交流践诺心得",
    "重温入党誓词，通报本月承诺践诺情况",
)
PLANNED_TOPIC = "总结全年承诺践诺情况，开展民主评议党员"
LEAVE_REASON = "外出务工，已向支部书记说明"

# 三评: the quarter's residents' survey in 东村 (resident index → rating given to everyone).
SURVEY_BRANCH = "branch-1"
SURVEY_ANSWERS = (
    (0, "满意", "党员经常上门，有事找得到人"),
    (1, "满意", ""),
    (2, "基本满意", "下水道的事办了几天才好"),
    (11, "满意", "希望多组织农技培训"),
)

# 文明存折: (resident index, rule code, reason, months ago). The awarder is the branch's
# secretary; within each rule's monthly cap.
AWARDS = (
    (0, "neighbour", "帮邻居抢收晾晒的玉米", 1),
    (0, "volunteer", "参加村口河道清理志愿服务", 1),
    (0, "clean", "庭院整洁，评为本月清洁户", 0),
    (1, "rescue", "暴雨夜帮助转移低洼处的老人", 1),
    (1, "neighbour", "照顾独居的邻居老人一周", 0),
    (2, "clean", "主动清理房前屋后的杂物", 1),
    (3, "volunteer", "在农家书屋义务值班", 0),
    (11, "neighbour", "帮邻居修好了漏雨的屋顶", 1),
    (4, "volunteer", "参加机井通电义务劳动", 1),
    (4, "clean", "庭院整洁，评为本月清洁户", 0),
    (5, "neighbour", "护送放学的孩子过桥", 0),
    (9, "rescue", "帮助扑灭田间秸秆火情", 1),
    (6, "volunteer", "参加小区垃圾分类宣传", 1),
    (7, "neighbour", "帮楼上老人搬运年货", 0),
    (12, "clean", "主动清理楼道堆放的杂物", 1),
    (12, "volunteer", "在社区活动室教老人用智能手机", 0),
)
COUNTER = {
    "branch": "branch-1",
    "name": "东村便民服务中心",
    "address": "东村村委会一楼",
    "days": "",  # every day, office hours
}
GOODS = (("毛巾一条", 5, 50), ("洗衣粉一袋", 10, 30), ("食用油一桶", 30, 10))
REDEMPTION = (0, "洗衣粉一袋")  # resident index, good

# 议事: raised by a resident, gathered for a meeting, voted on by the village's households.


@dataclass(frozen=True)
class AgendaScript:
    key: str
    branch: str
    raiser: int  # resident index
    text: str
    place: str
    voters: tuple[tuple[int, str], ...]  # (resident index, choice)
    notes: str
    decision: str = ""
    commitment_title: str = ""  # {next_year} is filled in
    beneficiary: str = ""
    days_ago: int = 20


AGENDA: tuple[AgendaScript, ...] = (
    AgendaScript(
        "ys1",
        "branch-1",
        0,
        "村东头到小学的路没有路灯，孩子冬天放学天就黑了，建议加装路灯",
        "东村四邻议事亭",
        ((0, "for"), (1, "for"), (2, "for"), (3, "for"), (11, "against"), (14, "abstain")),
        "大家都赞成装灯，议定先量好路段、问清费用，再按每户一票表决",
        decision="同意在村东头到小学的路段加装太阳能路灯4盏，由支部牵头、村委会出资",
        commitment_title="{next_year}年3月底前在村东头到小学路段加装太阳能路灯4盏",
        beneficiary="东村村民",
        days_ago=24,
    ),
    AgendaScript(
        "ys2",
        "branch-3",
        6,
        "小区南门的电动车充电桩太少，晚上排队充电，建议再增设一批",
        "南湖社区居民议事厅",
        ((6, "for"), (7, "for"), (8, "against"), (12, "for"), (15, "for")),
        "物业说明了电容量，居民提出先在南门空地试点，等供电公司答复后再议决",
        days_ago=9,
    ),
)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_tz()).astimezone(UTC)


def _month_start(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _month_end(start: date) -> date:
    return _month_start(start, -1) - timedelta(days=1)


def _past(stamp: datetime) -> datetime:
    return min(stamp, now_utc() - timedelta(minutes=1))


def demo_township_present(session: Session) -> bool:
    """Whether this database holds the demo township (its admin's demo openid and branches),
    so that the extras never land in a real township's database."""
    admin = session.scalar(
        select(Account.id).where(Account.oa_openid == township.ADMIN["oa_openid"])
    )
    codes = set(
        session.scalars(
            select(Organisation.code).where(
                Organisation.code.in_([spec.code for spec in township.BRANCHES])
            )
        )
    )
    return admin is not None and codes == {spec.code for spec in township.BRANCHES}


def present(session: Session) -> bool:
    """Whether the extras have been loaded (the first agenda item exists)."""
    key = f"demo-{AGENDA[0].key}"
    return session.scalar(select(AgendaItem.id).where(AgendaItem.source_msg_id == key)) is not None


class _Extras:
    def __init__(
        self,
        session: Session,
        today: date,
        civic: Any,  # CivicSection, read as services.civic.book.CivicSettings
        survey_rubric: Mapping[str, int],
        levels: Sequence[str],
        first_answer_hours: int,
    ) -> None:
        s = session
        self.session = s
        self.today = today
        self.civic = civic
        self.survey_rubric = survey_rubric
        self.levels = list(levels)
        self.first_answer_hours = first_answer_hours
        self.rng = random.Random(SEED)
        self.actors: dict[int, Actor] = {}
        if not demo_township_present(s):
            raise LookupError("demo township not loaded")
        self.branches = {
            spec.code: s.scalar(select(Organisation).where(Organisation.code == spec.code))
            for spec in township.BRANCHES
        }
        self.secretaries: dict[int, Member] = {}
        for grant in s.scalars(select(RoleGrant).where(RoleGrant.role == Role.SECRETARY.value)):
            if grant.member_id is not None:
                self.secretaries[grant.org_id] = s.get_one(Member, grant.member_id)
        admin = s.scalar(select(Account).where(Account.oa_openid == township.ADMIN["oa_openid"]))
        assert admin is not None
        self.admin = actor_for_account(s, admin)
        self.residents: list[Account] = []
        for i, (_b, _n, has_oa) in enumerate(township.RESIDENT_HOMES):
            key = (
                Account.oa_openid == f"demo-oa-resident-{i + 1:02d}"
                if has_oa
                else Account.mp_openid == f"demo-mp-resident-{i + 1:02d}"
            )
            account = s.scalar(select(Account).where(key))
            assert account is not None
            self.residents.append(account)

    def branch(self, code: str) -> Organisation:
        org = self.branches[code]
        assert org is not None
        return org

    def actor(self, member: Member) -> Actor:
        if member.id not in self.actors:
            self.actors[member.id] = actor_for_member(self.session, member)
        return self.actors[member.id]

    def secretary(self, org: Organisation) -> Actor:
        return self.actor(self.secretaries[org.id])

    def roster(self, org: Organisation) -> list[Member]:
        return list(
            self.session.scalars(
                select(Member)
                .where(Member.org_id == org.id, Member.active.is_(True))
                .order_by(Member.id)
            )
        )

    # 内容审核 ----------------------------------------------------------------------------

    def held_log(self) -> None:
        """A member's log whose note hits the word list (网络赌博) though it is a good deed:
        it waits in 内容审核 for the secretary, as a real false alarm would."""
        s = self.session
        if s.scalar(select(FulfilmentLog.id).where(FulfilmentLog.source_msg_id == HELD_LOG_KEY)):
            return
        org = self.branch(township.BRANCHES[0].code)
        for member in self.roster(org):
            c = s.scalar(
                select(Commitment)
                .where(
                    Commitment.member_id == member.id,
                    Commitment.owner_kind == "member",
                    Commitment.status == "published",
                    Commitment.target_kind == "count",
                )
                .order_by(Commitment.id)
            )
            if c is not None and member.id != self.secretaries[org.id].id:
                logs.log(
                    s,
                    self.actor(member),
                    c,
                    note=HELD_LOG_NOTE,
                    channel="bot",
                    source_msg_id=HELD_LOG_KEY,
                    today=self.today,
                )
                return

    # 支部类型 ----------------------------------------------------------------------------

    def branch_types(self) -> None:
        for code, org_type in BRANCH_TYPES.items():
            org = self.branch(code)
            if (org.form, org.org_type) != (BRANCH_FORM, org_type):
                orgs.edit(self.session, self.admin, org, form=BRANCH_FORM, org_type=org_type)

    # 联户走访 ----------------------------------------------------------------------------

    def household_visits(self) -> None:
        s = self.session
        months = [_month_start(self.today, 1), _month_start(self.today)]
        for spec in township.BRANCHES:
            members = self.roster(self.branch(spec.code))
            for position, member in enumerate(members):
                pattern = visit_pattern(position)
                homes = visits.linked_households(s, member)
                for start in months:
                    end = min(_month_end(start), self.today)
                    if pattern == "all":
                        chosen = homes
                    elif pattern == "few":
                        chosen = homes[: self.rng.randint(1, 2)]
                    else:
                        chosen = []
                    for household in chosen:
                        day = start + timedelta(days=self.rng.randint(0, (end - start).days))
                        note = self.rng.choice(VISIT_NOTES)
                        minute = self.rng.randint(0, 59)
                        self._visit(member, household, day, note, minute)

    def _visit(
        self, member: Member, household: Household, day: date, note: str, minute: int
    ) -> None:
        s = self.session
        found = s.scalar(
            select(HouseholdVisit.id).where(
                HouseholdVisit.member_id == member.id,
                HouseholdVisit.household_id == household.id,
                HouseholdVisit.visited_on == day,
            )
        )
        if found is not None:
            return
        visit = visits.log_visit(
            s, self.actor(member), member, household, note, channel="mp", visited_on=day, today=day
        )
        visit.created_at = _past(_local(day, 16, minute))

    # 主题党日 ----------------------------------------------------------------------------

    def party_days(self) -> None:
        last = _month_start(self.today, 1)
        this = _month_start(self.today)
        held_on = last.replace(day=10)
        planned = this.replace(day=25) if self.today.day < 25 else _month_end(this)
        for b_index, spec in enumerate(township.BRANCHES):
            org = self.branch(spec.code)
            secretary = self.secretary(org)
            day = party_day.for_month(self.session, org.id, party_day.month_of(held_on))
            if day is None:
                day = party_day.create(
                    self.session, secretary, org, held_on, PARTY_DAY_TOPICS[b_index % 2]
                )
                day.created_at = _local(held_on - timedelta(days=12), 9)
                self._attendance(org, day)
            if party_day.for_month(self.session, org.id, party_day.month_of(planned)) is None:
                upcoming = party_day.create(self.session, secretary, org, planned, PLANNED_TOPIC)
                upcoming.created_at = _past(_local(this, 9, 30))

    def _attendance(self, org: Organisation, day: PartyDay) -> None:
        """Everyone expected signs in on the day but one on leave and one absent."""
        s = self.session
        expected = [m for m in self.roster(org) if not m.exempt]
        on_leave, absent = expected[-1], expected[-2]
        party_day.ask_leave(
            s, self.actor(on_leave), day, LEAVE_REASON, today=day.held_on - timedelta(days=2)
        )
        for member in expected:
            if member.id in (on_leave.id, absent.id):
                continue
            party_day.sign_in(s, self.actor(member), day, "scan", today=day.held_on)
        for row in s.scalars(
            select(PartyDayAttendance).where(PartyDayAttendance.party_day_id == day.id)
        ):
            if row.member_id == on_leave.id:
                row.recorded_at = _local(day.held_on - timedelta(days=2), 20)
            else:
                row.recorded_at = _local(day.held_on, 8, 40 + (row.member_id % 19))

    # 三评 群众测评 -------------------------------------------------------------------------

    def residents_survey(self) -> None:
        s = self.session
        org = self.branch(SURVEY_BRANCH)
        quarter = f"{self.today.year}Q{(self.today.month - 1) // 3 + 1}"
        opened = survey.for_quarter(s, org.id, quarter)
        if opened is None:
            opened = survey.open_survey(s, self.secretary(org), org, quarter)
            # Opened at the start of the quarter's last month so far (or of the quarter).
            first = date(self.today.year, (self.today.month - 1) // 3 * 3 + 1, 1)
            opened.opened_at = _past(_local(max(first, _month_start(self.today, 1)), 9))
        subjects = survey.subjects(s, opened)
        for resident, rating, comment in SURVEY_ANSWERS:
            account = self.residents[resident]
            if s.scalar(
                select(SurveyResponse.id).where(
                    SurveyResponse.survey_id == opened.id, SurveyResponse.account_id == account.id
                )
            ):
                continue
            # Mostly the resident's overall view, one member in five a notch lower.
            ratings = {
                m.id: "基本满意" if rating == "满意" and (m.id + resident) % 5 == 0 else rating
                for m in subjects
            }
            response = survey.answer(
                s, actor_for_account(s, account), opened, ratings, comment, self.survey_rubric
            )
            response.created_at = _past(
                opened.opened_at + timedelta(days=resident % 7 + 2, hours=11)
            )

    # 雷锋文明存折 ------------------------------------------------------------------------

    def _home(self, resident: int) -> Household:
        account = self.residents[resident]
        assert account.household_id is not None
        return self.session.get_one(Household, account.household_id)

    def civic_book(self) -> None:
        s = self.session
        configured = {r.code for r in self.civic.rules}
        for n, (resident, rule, reason, months_ago) in enumerate(AWARDS):
            if rule not in configured:
                continue  # a deployment's own rules: only the demo's that exist
            household = self._home(resident)
            cb = book.book_for_award(s, self.civic, household, self.residents[resident].id)
            if s.scalar(
                select(CivicEntry.id).where(
                    CivicEntry.book_id == cb.id,
                    CivicEntry.rule == rule,
                    CivicEntry.reason == reason,
                )
            ):
                continue
            start = _month_start(self.today, months_ago)
            end = min(_month_end(start), self.today)
            day = start + timedelta(days=n * 3 % ((end - start).days + 1))
            org = s.get_one(Organisation, household.org_id)
            try:
                book.award(
                    s, self.secretary(org), self.civic, cb, rule, reason, now=_past(_local(day, 15))
                )
            except Conflict as exc:
                if exc.code != "monthly_cap":
                    raise
                # A deployment's lower cap: the demo stays within it and skips this award.
        for cb in s.scalars(select(CivicBook)):
            first = s.scalar(
                select(func.min(CivicEntry.created_at)).where(CivicEntry.book_id == cb.id)
            )
            if first is not None and cb.created_at > first:
                cb.created_at = first
        self._counter()

    def _counter(self) -> None:
        s = self.session
        org = self.branch(COUNTER["branch"])
        counter = s.scalar(
            select(CivicCounter).where(
                CivicCounter.org_id == org.id, CivicCounter.name == COUNTER["name"]
            )
        )
        if counter is None:
            counter = exchange.add_counter(
                s, self.secretary(org), org, COUNTER["name"], COUNTER["address"], COUNTER["days"]
            )
            counter.created_at = _local(_month_start(self.today, 1), 9)
        goods: dict[str, CivicGood] = {}
        for name, price, stock in GOODS:
            good = s.scalar(
                select(CivicGood).where(CivicGood.counter_id == counter.id, CivicGood.name == name)
            )
            if good is None:
                good = exchange.add_good(s, self.secretary(org), counter, name, price, stock)
            goods[name] = good
        s.flush()
        resident, good_name = REDEMPTION
        account = self.residents[resident]
        cb = book.book_of_account(s, self.civic, account)
        good = goods[good_name]
        if s.scalar(
            select(CivicRedemption.id).where(
                CivicRedemption.book_id == cb.id, CivicRedemption.good_id == good.id
            )
        ):
            return
        latest = s.scalar(
            select(func.max(CivicEntry.created_at)).where(CivicEntry.book_id == cb.id)
        )
        when = _past((latest or now_utc()) + timedelta(hours=2))  # after the awards it spends
        token = exchange.issue_token(s, self.civic, account, now=when)
        exchange.redeem(s, self.secretary(org), token.token, good.id, now=when)

    # 议事 --------------------------------------------------------------------------------

    def agenda_items(self) -> None:
        for script in AGENDA:
            self._agenda(script)

    def _agenda(self, script: AgendaScript) -> None:
        s = self.session
        org = self.branch(script.branch)
        raiser = self.residents[script.raiser]
        source = f"demo-{script.key}"
        item = s.scalar(select(AgendaItem).where(AgendaItem.source_msg_id == source))
        if item is None:
            item = agenda.raise_item(
                s, actor_for_account(s, raiser), raiser, script.text, channel="mp",
                source_msg_id=source,
            )  # fmt: skip
            item.created_at = _local(self.today - timedelta(days=script.days_ago), 20, 15)
        elif item.status != AgendaStatus.RAISED.value and not (
            item.status == AgendaStatus.SCHEDULED.value and script.decision
        ):
            return  # done on an earlier run
        raised_at = item.created_at
        held_at = _local(local_date(raised_at) + timedelta(days=7), 19, 30)
        secretary = self.secretary(org)
        if item.status == AgendaStatus.RAISED.value:
            agenda.schedule(
                s,
                secretary,
                org,
                [item.number],
                held_at=held_at,
                place=script.place,
                attendees="支部委员、群众代表和提出人",
                notes=script.notes,
            )
        if item.status == AgendaStatus.SCHEDULED.value:
            for n, (voter, choice) in enumerate(script.voters):
                account = self.residents[voter]
                voted = agenda.vote(s, actor_for_account(s, account), account, item, choice)
                if voted.counted:
                    voted.vote.created_at = _past(held_at + timedelta(minutes=10 + n))
            if script.decision:
                title = script.commitment_title.format(next_year=self.today.year + 1)
                outcome.decide(
                    s,
                    secretary,
                    item,
                    script.decision,
                    "commitment",
                    commitment={
                        "title": title,
                        "category": "基层治理",
                        "beneficiary": script.beneficiary,
                    },
                    review_levels=self.levels,
                    first_answer_hours=self.first_answer_hours,
                    today=self.today,
                )
                item.decided_at = _past(held_at + timedelta(days=1))
                c = s.get_one(Commitment, item.commitment_id)
                self._publish(c)
        self._backdate_agenda(item, raised_at, held_at)

    def _publish(self, c: Commitment) -> None:
        s = self.session
        while c.status != CommitmentStatus.PUBLISHED.value:
            level = commitments.LEVEL_FOR_PENDING[c.status]
            reviewer = self.secretary(s.get_one(Organisation, c.org_id))
            if level == "township":
                reviewer = self.admin
            commitments.review(s, reviewer, c, "approve", "", self.levels, today=self.today)

    def _backdate_agenda(self, item: AgendaItem, raised_at: datetime, held_at: datetime) -> None:
        s = self.session
        s.flush()
        stamps = {
            "raised": raised_at,
            "scheduled": raised_at + timedelta(days=2),
            "hands": held_at,
            "decided": item.decided_at or held_at,
        }
        for event in s.scalars(select(AgendaEvent).where(AgendaEvent.item_id == item.id)):
            if event.created_at > raised_at and event.action in stamps:
                event.created_at = _past(stamps[event.action])
        if item.meeting_id is not None:
            meeting = s.get_one(AgendaMeeting, item.meeting_id)
            meeting.created_at = _past(raised_at + timedelta(days=2))
        if item.commitment_id is not None:
            self._backdate_commitment(s.get_one(Commitment, item.commitment_id), item)

    def _backdate_commitment(self, c: Commitment, item: AgendaItem) -> None:
        s = self.session
        start = item.decided_at or now_utc()
        if c.created_at <= start:
            return
        entries = list(
            s.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.commitment_id == c.id)
                .order_by(TimelineEntry.id)
            )
        )
        stamps = [_past(start + timedelta(hours=20 * i)) for i in range(len(entries))]
        for entry, stamp in zip(entries, stamps, strict=True):
            entry.created_at = stamp
        decisions = [e for e in entries if e.action in ("approved", "rejected")]
        reviews = list(
            s.scalars(select(Review).where(Review.commitment_id == c.id).order_by(Review.id))
        )
        for review, entry in zip(reviews, decisions, strict=False):
            review.created_at = entry.created_at
        c.created_at = stamps[0] if stamps else start
        c.updated_at = stamps[-1] if stamps else start
        if c.submitted_at is not None:
            c.submitted_at = c.created_at
        if c.published_at is not None:
            c.published_at = c.updated_at


def load_extras(
    session: Session,
    *,
    today: date | None = None,
    civic: CivicSection | None = None,
    survey_rubric: Mapping[str, int] | None = None,
    levels: Sequence[str] = township.DEFAULT_LEVELS,
    first_answer_hours: int = 48,
) -> dict[str, int]:
    """Add the practices and the civic book to the demo township (loaded before); returns
    summary counts. The caller commits. Running it again changes nothing.

    Raises ``LookupError`` when the demo township is not there."""
    civic = civic if civic is not None else CivicSection()
    if survey_rubric is None:
        survey_rubric = PracticesSection().survey_rubric
    outbox_before = session.scalar(select(func.max(OutboundMessage.id))) or 0
    x = _Extras(session, today or local_date(), civic, survey_rubric, levels, first_answer_hours)
    x.branch_types()
    x.household_visits()
    x.party_days()
    x.residents_survey()
    x.civic_book()
    x.agenda_items()
    x.held_log()
    # Notices to the demo's (fictional) openids about events "in the past": never sent.
    session.execute(delete(OutboundMessage).where(OutboundMessage.id > outbox_before))
    session.flush()
    return summary(session)


def summary(session: Session) -> dict[str, int]:
    """Counts of the extras as they stand (Chinese labels for the CLI)."""

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    return {
        "已设支部类型": count(
            select(func.count(Organisation.id)).where(
                Organisation.kind == OrgKind.BRANCH.value, Organisation.org_type != ""
            )
        ),
        "走访记录": count(select(func.count(HouseholdVisit.id))),
        "主题党日": count(select(func.count(PartyDay.id))),
        "到会登记": count(select(func.count(PartyDayAttendance.id))),
        "群众测评": count(select(func.count(Survey.id))),
        "测评答卷": count(select(func.count(SurveyResponse.id))),
        "文明存折": count(select(func.count(CivicBook.id))),
        "积分记录": count(
            select(func.count(CivicEntry.id)).where(CivicEntry.kind == CivicEntryKind.AWARD.value)
        ),
        "兑换": count(select(func.count(CivicRedemption.id))),
        "议事": count(select(func.count(AgendaItem.id))),
        "住户表决": count(select(func.count(AgendaVote.id))),
        "待审核内容": count(
            select(func.count(FulfilmentLog.id)).where(
                FulfilmentLog.content_status == ContentStatus.HELD.value
            )
        ),
    }
