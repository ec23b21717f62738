"""The demo township: a fictional 示范镇 with three branches, their members, households,
commitments going through the real review chain, months of fulfilment logs and residents'
requests in every state.

Everything goes through the services (commitments, fulfilment, requests) so that the demo
shows the rules at work; only timestamps are moved into the past afterwards, to give a
realistic timeline. ``load`` is idempotent: every object is looked up by a natural key
(organisation code, phone, household code, openid, commitment owner + title, request
``source_msg_id``) and nothing that exists is created or changed again. The data are
deterministic (``random.Random(SEED)``) up to "today", which moves.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from infra.clock import local_date, local_tz, now_utc
from models import (
    Account,
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    Household,
    Member,
    MemberHousehold,
    Organisation,
    OrgKind,
    OutboundMessage,
    OwnerKind,
    Request,
    Review,
    Role,
    RoleGrant,
    TimelineEntry,
)
from services import commitments, fulfilment, progress, requests
from services.actors import Actor, actor_for_account, actor_for_member
from services.errors import MultiValidationError

SEED = 20260101
YEAR = 2026
DEFAULT_LEVELS = ("group", "branch", "township")
PUBLIC_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ROSTER_IMPORTED = datetime(YEAR, 1, 2, 1, tzinfo=UTC)  # 2 January, 9:00 local

# -- the township ---------------------------------------------------------------------------

DISTRICT = ("district", "临江区")
TOWNSHIP = ("township", "示范镇")
ADMIN = {"name": "刘晓燕", "phone": "13907310000", "oa_openid": "demo-oa-admin"}


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth_year: int
    group: int | None  # index into the branch's groups
    duties: str = ""
    speciality: str = ""
    commitments: tuple[str, ...] = ()
    profile: str = "good"  # good | behind | done | silent
    exempt_reason: str = ""
    bound: bool = False  # has a WeChat account (demo openid)


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    groups: tuple[str, ...]
    prefix: str  # household codes
    street: str
    households: int
    people: tuple[Person, ...]
    pledges: tuple[str, ...]


P = Person
BRANCHES: tuple[Branch, ...] = (
    Branch(
        "branch-1",
        "东村党支部",
        ("第一党小组", "第二党小组"),
        "DC",
        "东村",
        50,
        (
            P("王建国", "男", 1971, None, "支部书记", "种植大户", ("visit",), bound=True),
            P("李德明", "男", 1968, 0, "党小组长", "种粮能手，58岁", ("water",), bound=True),
            P("张桂兰", "女", 1975, 1, "党小组长", "村卫生室护士", ("health",), bound=True),
            P("陈福生", "男", 1968, 0, "", "58岁，种了一辈子地", ("water",), "behind", bound=True),
            P("刘玉珍", "女", 1980, 0, "", "妇女主任，擅长调解", ("mediation",), "done"),
            P("赵长海", "男", 1963, 0, "", "农机手", ("farming",), bound=True),
            P("孙秀英", "女", 1972, 1, "", "巧手理发", ("haircut",), "behind"),
            P("周宏伟", "男", 1985, 1, "", "退伍军人", ("road",), bound=True),
            P("吴国强", "男", 1958, 1, "", "老会计", ("policy",), "silent", bound=True),
            P("郑春梅", "女", 1990, 0, "", "大学生村官", ("policy",)),
            P("冯志刚", "男", 1966, 1, "", "养殖户", ("cleaning",), "behind"),
            P("何淑芬", "女", 1969, 0, "", "农家书屋管理员", ("library",)),
            P("马国庆", "男", 1949, 1, "", "老支书", ("elderly",)),
            P("韩金发", "男", 1944, 0, "", "老党员，党龄60年", exempt_reason="年满80周岁"),
            P("朱海燕", "女", 1988, 1, "", "电商带头人", ("farming",), "done"),
            P("胡德顺", "男", 1961, 0, "", "木工", ("road",)),
        ),
        ("meeting", "poor", "toilets"),
    ),
    Branch(
        "branch-2",
        "西村党支部",
        ("第一党小组", "第二党小组"),
        "XC",
        "西村",
        45,
        (
            P("杨振华", "男", 1970, None, "支部书记", "水利员出身", ("visit",), bound=True),
            P("黄永红", "女", 1976, 0, "党小组长", "村会计", ("policy",), bound=True),
            P("林水生", "男", 1964, 1, "党小组长", "打井队老师傅", ("road",), bound=True),
            P("徐满仓", "男", 1968, 0, "", "58岁，种植户", ("water",), bound=True),
            P("高翠兰", "女", 1973, 0, "", "广场舞领队", ("cleaning",)),
            P("罗富贵", "男", 1959, 1, "", "兽医", ("farming",), "done", bound=True),
            P("梁秀云", "女", 1982, 1, "", "幼儿园老师", ("lecture",)),
            P("宋大勇", "男", 1967, 0, "", "电焊工", ("mediation",), "behind"),
            P("谢春花", "女", 1979, 1, "", "赤脚医生后人，会推拿", ("health",), "silent"),
            P("唐志远", "男", 1992, 0, "", "返乡创业青年", ("library",), bound=True),
            P("董桂芝", "女", 1965, 1, "", "种菜能手", ("elderly",)),
            P("蒋世杰", "男", 1987, 1, "", "快递点老板", ("haircut",), "behind"),
            P("曹玉兰", "女", 1970, 0, "", "村妇联执委", ("policy",), "done"),
            P("邓光明", "男", 1955, 1, "", "退休村干部", ("cleaning",)),
        ),
        ("meeting", "poor", "wells"),
    ),
    Branch(
        "branch-3",
        "南湖社区党支部",
        ("第一党小组", "第二党小组", "第三党小组"),
        "NH",
        "南湖社区",
        45,
        (
            P("许文静", "女", 1978, None, "支部书记", "社区书记", ("visit",), bound=True),
            P("沈国华", "男", 1960, 0, "党小组长", "退休电工", ("electric",), "done", bound=True),
            P("彭丽娟", "女", 1974, 1, "党小组长", "社区网格员", ("policy",), bound=True),
            P("吕建平", "男", 1966, 2, "党小组长", "物业维修主管", ("road",), bound=True),
            P(
                "贾宝林",
                "男",
                1970,
                0,
                "",
                "门窗店老板，给半个小区装过铝合金窗",
                ("windows",),
                bound=True,
            ),
            P("钱玉梅", "女", 1952, 1, "", "退休教师，74岁", ("trim", "lecture"), bound=True),
            P("蔡志明", "男", 1963, 2, "", "退休电工", ("electric",), "behind"),
            P("丁红霞", "女", 1984, 0, "", "社区医生", ("health",), bound=True),
            P("魏长青", "男", 1957, 1, "", "退休法官", ("mediation",), "good"),
            P("潘晓东", "男", 1991, 2, "", "程序员，周末志愿者", ("library",), "silent"),
            P("杜美玲", "女", 1968, 0, "", "理发店店主", ("haircut",), "done"),
            P("袁卫国", "男", 1950, 1, "", "退休工人", ("elderly",), "behind"),
            P("程佳慧", "女", 1995, 2, "", "社区社工", ("cleaning",)),
            P("范德胜", "男", 1962, 0, "", "小区楼长", ("water",)),
            P("苏婉清", "女", 1976, 1, "", "会计", ("policy",)),
        ),
        ("meeting", "poor", "cameras"),
    ),
)

# The member commitment kinds from practice (DESIGN §9), with what a log says.
MEMBER_TEMPLATES: dict[str, dict[str, Any]] = {
    "water": {
        "title": "每月给村东生产路树木浇水一次",
        "category": "环境整治",
        "beneficiary": "村东生产路沿线",
        "notes": ["给生产路两侧的树浇了一遍水", "天旱，多浇了一遍"],
    },
    "trim": {
        "title": "每年对村内花草树木修剪两次",
        "category": "环境整治",
        "beneficiary": "社区绿化带",
        "notes": ["修剪了中心花园的冬青", "修剪了南门的月季和绿篱"],
    },
    "electric": {
        "title": "全年为小区居民免费维修水电40次",
        "category": "便民服务",
        "description": "24小时随叫随到，只收材料进价",
        "beneficiary": "南湖社区居民",
        "notes": ["给3栋王大爷家换了漏电开关", "修好了5栋楼道的水管", "帮独居老人换了灯泡"],
    },
    "windows": {
        "title": "全年免费维修本人安装的铝合金门窗12次",
        "category": "便民服务",
        "description": "本人安装的门窗终身免费维护",
        "beneficiary": "南湖社区居民",
        "notes": ["给2栋李阿姨家换了窗户滑轮", "调整了7栋的推拉门"],
    },
    "policy": {
        "title": "每周走访联系户宣讲惠民政策5户",
        "category": "政策宣传",
        "beneficiary": "联系户",
        "notes": ["讲解了城乡居民医保缴费政策", "宣讲了耕地地力补贴"],
    },
    "visit": {
        "title": "每月走访联系户一次",
        "category": "联户服务",
        "beneficiary": "联系户",
        "notes": ["走访了联系户，了解了用水困难", "入户走访，记下了两条意见"],
    },
    "farming": {
        "title": "全年开展农技培训6场",
        "category": "产业发展",
        "beneficiary": "本村种养户",
        "notes": ["讲了小麦春季田间管理", "讲了生猪防疫"],
    },
    "lecture": {
        "title": "每季度为青少年义务授课一场",
        "category": "文明实践",
        "beneficiary": "社区青少年",
        "notes": ["讲了一堂红色故事课", "辅导了暑期作业"],
    },
    "haircut": {
        "title": "全年为行动不便老人义务理发60人",
        "category": "志愿服务",
        "beneficiary": "行动不便的老人",
        "notes": ["上门给老人理发", "在活动室集中理发"],
    },
    "cleaning": {
        "title": "每月清理村口河道垃圾一次",
        "category": "环境整治",
        "beneficiary": "村口河道",
        "notes": ["清理了河道垃圾两车", "捞了水面漂浮物"],
    },
    "elderly": {
        "title": "每周上门看望独居老人一次",
        "category": "志愿服务",
        "beneficiary": "独居老人",
        "notes": ["陪老人聊天，打扫了院子", "帮老人买了药"],
    },
    "health": {
        "title": "每月为联系户老人测量血压一次",
        "category": "便民服务",
        "beneficiary": "联系户老人",
        "notes": ["给联系户老人量了血压", "提醒高血压老人按时吃药"],
    },
    "road": {
        "title": "每月巡查村内道路和路灯一次",
        "category": "平安建设",
        "beneficiary": "全体村民",
        "notes": ["巡查发现两盏路灯不亮，已报修", "填平了路上的坑"],
    },
    "mediation": {
        "title": "全年调解邻里纠纷10件",
        "category": "平安建设",
        "beneficiary": "邻里",
        "notes": ["调解了宅基地边界纠纷", "调解了漏水引起的邻里矛盾"],
    },
    "library": {
        "title": "每周到农家书屋值班一次",
        "category": "文明实践",
        "beneficiary": "村民",
        "notes": ["书屋值班，借出图书8本", "整理了新到的图书"],
    },
}

BRANCH_TEMPLATES: dict[str, dict[str, Any]] = {
    "meeting": {
        "title": "每月与村委会召开联席会议一次",
        "category": "基层治理",
        "beneficiary": "全体村民",
        "notes": ["召开联席会议，研究了群众反映的问题"],
    },
    "poor": {
        "title": "每月走访慰问困难户一次",
        "category": "民生保障",
        "beneficiary": "困难户",
        "notes": ["支委分组走访慰问困难户"],
    },
    "toilets": {
        "title": "10月底前完成340户农村改厕",
        "category": "人居环境",
        "target_kind": "deadline",
        "target_quantity": 340,
        "unit": "户",
        "start_date": "2026-01-01",
        "end_date": "2026-10-31",
        "beneficiary": "东村农户",
        "notes": ["本批完成改厕"],
    },
    "wells": {
        "title": "12月底前新打灌溉机井13眼并通电",
        "category": "产业发展",
        "target_kind": "deadline",
        "target_quantity": 13,
        "unit": "眼",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "beneficiary": "西村农田",
        "notes": ["新井成井并完成通电验收"],
    },
    "cameras": {
        "title": "6月底前在小区安装监控摄像头24个",
        "category": "平安建设",
        "target_kind": "deadline",
        "target_quantity": 24,
        "unit": "个",
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "beneficiary": "南湖社区居民",
        "notes": ["安装了一批监控摄像头"],
    },
}

# Commitments deliberately left in the review chain (member name → what happens).
IN_REVIEW = {
    "周宏伟": "pending_group",  # submitted, waiting for the group leader
    "梁秀云": "pending_branch",  # group approved, waiting for the secretary
    "苏婉清": "pending_township",  # waiting for township filing
    "何淑芬": "rejected",  # sent back with a reason
}
REJECTED_TITLE = "全年为村民办实事10件"
REJECTION_REASON = "“办实事”太笼统，无法检验：请写明具体做什么，例如“每周到农家书屋值班一次”"
SLOGAN = "积极为群众服务，发挥党员先锋模范作用"

RESIDENT_NAMES = (
    "王秀兰",
    "李桂芳",
    "张志强",
    "刘凤英",
    "陈小龙",
    "杨丽",
    "赵大山",
    "黄美华",
    "周小燕",
    "吴宝贵",
    "徐春生",
    "孙二妹",
    "马东升",
    "朱小红",
    "胡建军",
    "郭翠花",
    "何平",
    "高立新",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "德明华国建文秀英桂兰玉凤春梅志强海燕红霞金山长林永福淑珍丽娟小龙宝生翠花树根光荣"


@dataclass(frozen=True)
class RequestScript:
    key: str
    kind: str
    text: str
    resident: int | None  # index into residents; None → anonymous at the township
    steps: tuple[
        str, ...
    ]  # claim | reply | resolve:<resolution> | confirm | rate:<r> | reopen | escalate
    location: str = ""
    days_ago: float = 10


REQUESTS: tuple[RequestScript, ...] = (
    RequestScript("r01", "suggestion", "建议镇上在集市旁边增设公共厕所", None, (), "集市", 0.1),
    RequestScript("r02", "problem", "村东头路灯坏了三盏，晚上走路看不清", 0, (), "东村东头", 0.2),
    RequestScript(
        "r03", "wish", "想请人教我用智能手机视频通话，跟外地的孙子说说话", 1, ("claim",), "", 0.2
    ),
    RequestScript(
        "r04",
        "problem",
        "家门口下水道堵了，一下雨就往院子里倒灌",
        2,
        ("claim", "reply"),
        "东村12号",
        2,
    ),
    RequestScript(
        "r05",
        "problem",
        "楼道里的声控灯不亮了",
        6,
        ("claim", "reply", "resolve:done"),
        "南湖社区5栋2单元",
        4,
    ),
    RequestScript(
        "r06",
        "wish",
        "老伴腿脚不便，想请人帮忙把院子里的柴劈了",
        3,
        ("claim", "resolve:done", "confirm", "rate:satisfied"),
        "东村",
        30,
    ),
    RequestScript(
        "r07",
        "problem",
        "自来水水压太小，二楼以上用不了热水器",
        7,
        ("reply", "resolve:done", "confirm", "rate:basically_satisfied"),
        "南湖社区7栋",
        25,
    ),
    RequestScript(
        "r08",
        "complaint",
        "小区门口的夜市烧烤太吵，晚上十一点还不停",
        8,
        ("reply", "resolve:not_feasible", "rate:unsatisfied"),
        "南湖社区北门",
        20,
    ),
    RequestScript(
        "r09",
        "problem",
        "机井的电表跳闸，浇地浇不成",
        4,
        ("claim", "resolve:done", "reopen"),
        "西村北地",
        12,
    ),
    RequestScript(
        "r10", "problem", "桥头护栏松了，孩子上学路过很危险", 5, ("escalate",), "西村桥头", 3
    ),
    RequestScript(
        "r11",
        "suggestion",
        "建议在村委会设一个快递代收点",
        9,
        ("reply", "resolve:referred"),
        "西村",
        15,
    ),
    RequestScript(
        "r12",
        "wish",
        "想给留守的孩子们借几本课外书",
        10,
        ("claim", "resolve:done", "confirm", "rate:satisfied"),
        "西村",
        40,
    ),
    RequestScript(
        "r13",
        "problem",
        "老人一个人在家，屋顶漏雨",
        11,
        ("claim", "reply", "resolve:done", "confirm", "rate:satisfied"),
        "东村",
        60,
    ),
    RequestScript(
        "r14",
        "problem",
        "单元门的门禁坏了，外人随便进",
        12,
        ("reply", "resolve:done", "confirm"),
        "南湖社区3栋",
        8,
    ),
    RequestScript(
        "r15", "problem", "村西的垃圾箱满了没人清", 13, ("resolve:duplicate",), "西村西口", 6
    ),
)
# Resident index → (branch index, household number within the branch, has official-account openid)
RESIDENT_HOMES = (
    (0, 1, True),
    (0, 3, True),
    (0, 12, True),
    (0, 20, False),
    (1, 2, True),
    (1, 5, True),
    (2, 4, True),
    (2, 7, True),
    (2, 9, False),
    (1, 9, True),
    (1, 14, False),
    (0, 25, True),
    (2, 13, True),
    (1, 30, True),
    (0, 33, False),
    (2, 21, True),
    (1, 40, False),
    (0, 44, True),
)


# -- helpers --------------------------------------------------------------------------------


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_tz()).astimezone(UTC)


def _org(
    session: Session,
    code: str,
    kind: str,
    name: str,
    parent: Organisation | None,
    sort_order: int = 0,
) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is not None:
        return org
    org = Organisation(
        code=code,
        kind=kind,
        name=name,
        parent_id=parent.id if parent else None,
        sort_order=sort_order,
    )
    session.add(org)
    session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    session.flush()
    return org


def new_public_code(session: Session, rng: random.Random | None = None) -> str:
    """An unused 8-character code for a member's public card URL."""
    import secrets

    for _ in range(50):
        if rng is not None:
            code = "".join(rng.choice(PUBLIC_CODE_ALPHABET) for _ in range(8))
        else:
            code = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(8))
        if session.scalar(select(Member.id).where(Member.public_code == code)) is None:
            return code
    raise RuntimeError("could not find a free public code")


def _grant(
    session: Session,
    role: str,
    org: Organisation,
    *,
    member: Member | None = None,
    account: Account | None = None,
) -> None:
    exists = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.role == role,
            RoleGrant.org_id == org.id,
            RoleGrant.member_id == member.id if member else RoleGrant.member_id.is_(None),
            RoleGrant.account_id == account.id if account else RoleGrant.account_id.is_(None),
        )
    )
    if exists is None:
        session.add(
            RoleGrant(
                role=role,
                org_id=org.id,
                member_id=member.id if member else None,
                account_id=account.id if account else None,
            )
        )
        session.flush()


def _account(
    session: Session, *, oa_openid: str | None = None, mp_openid: str | None = None, **fields: Any
) -> Account:
    key = Account.oa_openid == oa_openid if oa_openid else Account.mp_openid == mp_openid
    account = session.scalar(select(Account).where(key))
    if account is None:
        account = Account(
            oa_openid=oa_openid, mp_openid=mp_openid, subscribed=bool(oa_openid), **fields
        )
        session.add(account)
        session.flush()
    return account


# -- the loader -----------------------------------------------------------------------------


class _Loader:
    def __init__(self, session: Session, levels: Sequence[str], today: date) -> None:
        self.session = session
        self.levels = list(levels)
        self.today = today
        self.rng = random.Random(SEED)
        self.actors: dict[int, Actor] = {}
        self.branches: list[Organisation] = []
        self.groups: dict[int, list[Organisation]] = {}
        self.members: dict[str, Member] = {}
        self.secretaries: dict[int, Member] = {}
        self.leaders: dict[int, Member] = {}  # group id → leader
        self.households: list[list[Household]] = []
        self.residents: list[Account] = []
        self.admin: Account | None = None

    def actor(self, member: Member) -> Actor:
        if member.id not in self.actors:
            self.actors[member.id] = actor_for_member(self.session, member)
        return self.actors[member.id]

    # organisations, people, households ------------------------------------------------------

    def build_tree(self) -> None:
        s = self.session
        district = _org(s, DISTRICT[0], OrgKind.DISTRICT.value, DISTRICT[1], None)
        township = _org(s, TOWNSHIP[0], OrgKind.TOWNSHIP.value, TOWNSHIP[1], district)
        self.township = township
        for b_index, spec in enumerate(BRANCHES):
            branch = _org(s, spec.code, OrgKind.BRANCH.value, spec.name, township, b_index + 1)
            self.branches.append(branch)
            self.groups[branch.id] = [
                _org(s, f"{spec.code}-g{i + 1}", OrgKind.GROUP.value, g, branch, i + 1)
                for i, g in enumerate(spec.groups)
            ]
        self.admin = _account(
            s,
            oa_openid=ADMIN["oa_openid"],
            name=ADMIN["name"],
            phone=ADMIN["phone"],
            nickname="镇组织办",
        )
        _grant(s, Role.TOWNSHIP_ADMIN.value, township, account=self.admin)

    def build_members(self) -> None:
        s = self.session
        serial = 0
        code_rng = random.Random(SEED + 3)
        for b_index, spec in enumerate(BRANCHES):
            branch = self.branches[b_index]
            groups = self.groups[branch.id]
            for person in spec.people:
                serial += 1
                phone = f"1390731{serial:04d}"
                member = s.scalar(select(Member).where(Member.phone == phone))
                if member is None:
                    member = Member(
                        org_id=branch.id,
                        group_id=groups[person.group].id if person.group is not None else None,
                        name=person.name,
                        phone=phone,
                        gender=person.gender,
                        birth_year=person.birth_year,
                        duties=person.duties,
                        speciality=person.speciality,
                        public_code=new_public_code(s, code_rng),
                        card_show_phone=bool(person.duties),
                        card_contact="有事请打电话或在公众号留言" if person.duties else "",
                        exempt=bool(person.exempt_reason),
                        exempt_reason=person.exempt_reason,
                        created_at=ROSTER_IMPORTED,  # on the roster before the year's commitments
                    )
                    s.add(member)
                    s.flush()
                self.members[person.name] = member
                if person.duties == "支部书记":
                    self.secretaries[branch.id] = member
                    _grant(s, Role.SECRETARY.value, branch, member=member)
                if person.duties == "党小组长" and member.group_id is not None:
                    self.leaders[member.group_id] = member
                    _grant(
                        s,
                        Role.GROUP_LEADER.value,
                        s.get_one(Organisation, member.group_id),
                        member=member,
                    )
                if person.bound:
                    _account(
                        s,
                        oa_openid=f"demo-oa-member-{phone}",
                        name=member.name,
                        phone=phone,
                        member_id=member.id,
                        nickname=member.name,
                    )

    def build_households(self) -> None:
        s = self.session
        name_rng = random.Random(SEED + 1)
        for b_index, spec in enumerate(BRANCHES):
            branch = self.branches[b_index]
            homes: list[Household] = []
            for n in range(1, spec.households + 1):
                code = f"{spec.prefix}{n:03d}"
                head = name_rng.choice(SURNAMES) + name_rng.choice(GIVEN) + name_rng.choice(GIVEN)
                size = name_rng.randint(1, 6)
                h = s.scalar(select(Household).where(Household.code == code))
                if h is None:
                    address = (
                        f"{spec.street}{n}号"
                        if spec.prefix != "NH"
                        else f"南湖社区{(n - 1) // 6 + 1}栋{(n - 1) % 6 + 1}01室"
                    )
                    h = Household(
                        org_id=branch.id,
                        code=code,
                        address=address,
                        head_name=head,
                        phone=f"1370731{b_index}{n:03d}",
                        size=size,
                    )
                    s.add(h)
                    s.flush()
                homes.append(h)
            self.households.append(homes)
            # 联户: each member serves 4–6 neighbouring households, walking round the village.
            members = [self.members[p.name] for p in spec.people]
            cursor = 0
            link_rng = random.Random(SEED + 2 + b_index)
            for member in members:
                count = link_rng.randint(4, 6)
                for k in range(count):
                    h = homes[(cursor + k) % len(homes)]
                    exists = s.scalar(
                        select(MemberHousehold.id).where(
                            MemberHousehold.member_id == member.id,
                            MemberHousehold.household_id == h.id,
                        )
                    )
                    if exists is None:
                        s.add(MemberHousehold(member_id=member.id, household_id=h.id))
                cursor += count
            s.flush()

    def build_residents(self) -> None:
        s = self.session
        for i, (b_index, home_no, has_oa) in enumerate(RESIDENT_HOMES):
            home = self.households[b_index][home_no - 1]
            fields: dict[str, Any] = {
                "name": RESIDENT_NAMES[i],
                "nickname": RESIDENT_NAMES[i][0] + "家",
                "household_id": home.id,
            }
            if has_oa:
                self.residents.append(
                    _account(s, oa_openid=f"demo-oa-resident-{i + 1:02d}", **fields)
                )
            else:
                self.residents.append(
                    _account(s, mp_openid=f"demo-mp-resident-{i + 1:02d}", **fields)
                )

    # commitments --------------------------------------------------------------------------

    def _existing(self, owner_kind: str, owner_id: int, title: str) -> Commitment | None:
        col = Commitment.member_id if owner_kind == OwnerKind.MEMBER.value else Commitment.org_id
        return self.session.scalar(
            select(Commitment).where(
                Commitment.owner_kind == owner_kind, col == owner_id, Commitment.title == title
            )
        )

    def _reviewer(self, c: Commitment) -> Actor:
        s = self.session
        level = commitments.LEVEL_FOR_PENDING[c.status]
        if level == "group":
            member = s.get_one(Member, c.member_id)
            assert member.group_id is not None
            return self.actor(self.leaders[member.group_id])
        if level == "branch":
            return self.actor(self.secretaries[c.org_id])
        assert self.admin is not None
        return actor_for_account(s, self.admin)

    def _review_until(
        self,
        c: Commitment,
        stop: str = CommitmentStatus.PUBLISHED.value,
        today: date | None = None,
    ) -> None:
        while c.status not in (stop, CommitmentStatus.PUBLISHED.value):
            commitments.review(
                self.session, self._reviewer(c), c, "approve", "", self.levels, today=today
            )

    def _backdate_commitment(self, c: Commitment, start: datetime) -> None:
        s = self.session
        entries = list(
            s.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.commitment_id == c.id)
                .order_by(TimelineEntry.id)
            )
        )
        stamps = [start + timedelta(hours=20 * i) for i in range(len(entries))]
        for entry, stamp in zip(entries, stamps, strict=True):
            entry.created_at = stamp
        decisions = [e for e in entries if e.action in ("approved", "rejected")]
        reviews = list(
            s.scalars(select(Review).where(Review.commitment_id == c.id).order_by(Review.id))
        )
        for review, entry in zip(reviews, decisions, strict=False):
            review.created_at = entry.created_at
        c.created_at = stamps[0]
        c.updated_at = stamps[-1]
        submitted = [e for e in entries if e.action == "submitted"]
        if submitted:
            c.submitted_at = submitted[-1].created_at
        if c.published_at is not None:
            c.published_at = stamps[-1]

    def member_commitments(self) -> list[tuple[Commitment, Actor, str]]:
        s = self.session
        out: list[tuple[Commitment, Actor, str]] = []
        created_on = date(YEAR, 1, 5)
        for spec in BRANCHES:
            for person in spec.people:
                member = self.members[person.name]
                if member.exempt:
                    continue
                actor = self.actor(member)
                plan = IN_REVIEW.get(person.name)
                for key in person.commitments:
                    tpl = MEMBER_TEMPLATES[key]
                    if self._existing(OwnerKind.MEMBER.value, member.id, tpl["title"]):
                        continue
                    data = {k: v for k, v in tpl.items() if k != "notes"}
                    c = commitments.create(s, actor, data, today=created_on)
                    commitments.submit(s, actor, c, self.levels, today=created_on)
                    self._review_until(c, today=created_on)
                    self._backdate_commitment(
                        c, _local(created_on, 9) + timedelta(minutes=member.id)
                    )
                    out.append((c, actor, person.profile))
                if plan and not self._existing(
                    OwnerKind.MEMBER.value, member.id, self._plan_title(person)
                ):
                    self._in_review(member, actor, person, plan)
        return out

    @staticmethod
    def _plan_title(person: Person) -> str:
        if IN_REVIEW[person.name] == "rejected":
            return REJECTED_TITLE
        return {
            "周宏伟": "每月为留守儿童辅导功课一次",
            "梁秀云": "每月为村里老人读报一次",
            "苏婉清": "全年为社区老人代办证件20件",
        }[person.name]

    def _in_review(self, member: Member, actor: Actor, person: Person, plan: str) -> None:
        s = self.session
        title = self._plan_title(person)
        c = commitments.create(s, actor, {"title": title, "category": "志愿服务"}, today=self.today)
        commitments.submit(s, actor, c, self.levels)
        if plan == "rejected":
            commitments.review(s, self._reviewer(c), c, "reject", REJECTION_REASON, self.levels)
        elif plan == "pending_branch":
            self._review_until(c, CommitmentStatus.PENDING_BRANCH.value)
        elif plan == "pending_township":
            self._review_until(c, CommitmentStatus.PENDING_TOWNSHIP.value)
        self._backdate_commitment(c, now_utc() - timedelta(days=3, minutes=member.id))

    def slogan_attempt(self) -> bool:
        """A slogan is refused by the 四化 check and nothing is stored."""
        member = self.members["冯志刚"]
        try:
            commitments.create(
                self.session, self.actor(member), {"title": SLOGAN}, today=self.today
            )
        except MultiValidationError:
            return True
        raise AssertionError("the 四化 check accepted a slogan")  # pragma: no cover

    def branch_pledges(self) -> list[tuple[Commitment, Actor, str]]:
        s = self.session
        out: list[tuple[Commitment, Actor, str]] = []
        created_on = date(YEAR, 1, 3)
        for b_index, spec in enumerate(BRANCHES):
            branch = self.branches[b_index]
            secretary = self.actor(self.secretaries[branch.id])
            for key in spec.pledges:
                tpl = BRANCH_TEMPLATES[key]
                if self._existing(OwnerKind.BRANCH.value, branch.id, tpl["title"]):
                    continue
                data = {k: v for k, v in tpl.items() if k != "notes"}
                c = commitments.create(
                    s,
                    secretary,
                    data,
                    owner_kind=OwnerKind.BRANCH.value,
                    org_id=branch.id,
                    today=created_on,
                )
                commitments.submit(s, secretary, c, self.levels, today=created_on)
                self._review_until(c, today=created_on)
                self._backdate_commitment(c, _local(created_on, 10) + timedelta(minutes=b_index))
                out.append((c, secretary, key))
        return out

    # fulfilment logs ------------------------------------------------------------------------

    def _log(self, c: Commitment, actor: Actor, day: date, quantity: int, note: str) -> None:
        entry = fulfilment.log(
            self.session,
            actor,
            c,
            quantity=quantity,
            note=note,
            happened_on=day,
            channel="demo",
            today=day,  # logged on the day it happened
        )
        stamp = _local(day, 19, self.rng.randint(0, 59))
        entry.created_at = entry.updated_at = min(stamp, now_utc())

    def _random_day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def member_logs(self, c: Commitment, actor: Actor, profile: str, notes: list[str]) -> None:
        today = self.today
        stop = date(YEAR, 8, 31) if profile == "silent" else today
        end = min(c.end_date, stop)
        if c.target_kind == "periodic" and c.frequency:
            for p_start, p_end in progress.periods(c.start_date, end, c.frequency):
                if profile == "behind" and self.rng.random() < 0.4:
                    continue
                if p_end >= today and self.rng.random() < 0.5:
                    continue  # the current period is not over yet
                quantity = c.target_quantity + (1 if self.rng.random() < 0.2 else 0)
                self._log(
                    c,
                    actor,
                    self._random_day(p_start, min(p_end, today)),
                    quantity,
                    self.rng.choice(notes),
                )
            return
        # Count targets: pace against the year.
        year_share = ((end - c.start_date).days + 1) / ((c.end_date - c.start_date).days + 1)
        goal = {
            "done": c.target_quantity,
            "behind": c.target_quantity * year_share * 0.45,
            "silent": c.target_quantity * year_share * 0.8,
        }.get(profile, c.target_quantity * min(1.0, year_share * 1.1))
        total = 0
        last = date(YEAR, 10, 15) if profile == "done" else end
        days = sorted(self._random_day(c.start_date, last) for _ in range(60))
        for day in days:
            if total >= goal:
                break
            quantity = 1 if c.target_quantity <= 20 else self.rng.randint(1, 3)
            quantity = min(quantity, max(1, c.target_quantity - total))
            self._log(c, actor, day, quantity, self.rng.choice(notes))
            total += quantity

    def pledge_logs(self, c: Commitment, actor: Actor, key: str) -> None:
        notes = BRANCH_TEMPLATES[key]["notes"]
        today = self.today
        if c.target_kind == "periodic" and c.frequency:
            for p_start, p_end in progress.periods(
                c.start_date, min(c.end_date, today), c.frequency
            ):
                if p_end >= today:
                    continue
                self._log(c, actor, self._random_day(p_start, p_end), 1, notes[0])
            return
        # Deadline pledges: toilets finished two weeks late, wells on their way, cameras on time.
        plans = {
            "toilets": (date(YEAR, 11, 14), c.target_quantity),
            "wells": (today, 9),
            "cameras": (date(YEAR, 6, 20), c.target_quantity),
        }
        finish, amount = plans[key]
        finish = min(finish, today)
        batches = max(1, min(12, amount))
        done = 0
        for i in range(batches):
            day = c.start_date + (finish - c.start_date) * (i + 1) // batches
            quantity = amount * (i + 1) // batches - done
            if quantity <= 0:
                continue
            done += quantity
            self._log(c, actor, day, quantity, f"{notes[0]}{quantity}{c.unit}")

    # requests -------------------------------------------------------------------------------

    def requests(self, first_answer_hours: int, reopen_window_days: int) -> None:
        s = self.session
        for script in REQUESTS:
            source = f"demo-{script.key}"
            if s.scalar(select(Request.id).where(Request.source_msg_id == source)) is not None:
                continue
            account = self.residents[script.resident] if script.resident is not None else None
            submitter = (
                actor_for_account(s, account) if account is not None else Actor(name="匿名群众")
            )
            req = requests.submit(
                s,
                submitter,
                kind=script.kind,
                text=script.text,
                location=script.location,
                channel="demo",
                source_msg_id=source,
                first_answer_hours=first_answer_hours,
            )
            handler = self._handler(req)
            for step in script.steps:
                name, _, arg = step.partition(":")
                if name == "claim":
                    requests.claim(s, handler, req)
                elif name == "reply":
                    requests.reply(s, handler, req, "收到，这两天就上门看看，请您放心")
                elif name == "resolve":
                    note = {
                        "done": "已上门处理好了",
                        "not_feasible": "已向城管反映，夜市整治需要镇里统一安排",
                        "referred": "已转交镇邮政所研究",
                        "duplicate": "与编号靠前的诉求是同一件事，一并办理",
                    }
                    requests.resolve(s, handler, req, arg, note[arg])
                elif name == "confirm":
                    requests.confirm(s, submitter, req)
                elif name == "rate":
                    comment = {
                        "satisfied": "党员办事靠谱，谢谢！",
                        "basically_satisfied": "解决了，就是等了几天",
                        "unsatisfied": "问题还在，希望再想想办法",
                    }[arg]
                    requests.rate(s, submitter, req, arg, comment)
                elif name == "reopen":
                    requests.reopen(
                        s, submitter, req, "电表又跳闸了，问题没解决", reopen_window_days
                    )
                elif name == "escalate":
                    req.due_at = now_utc() - timedelta(minutes=1)
                    s.flush()
                    requests.escalate_overdue(s, first_answer_hours=first_answer_hours)
            self._backdate_request(req, script.days_ago)

    def _handler(self, req: Request) -> Actor:
        s = self.session
        if req.assignee_member_id is not None:
            return self.actor(s.get_one(Member, req.assignee_member_id))
        branch = s.get_one(Organisation, req.org_id)
        if branch.id in self.secretaries:
            return self.actor(self.secretaries[branch.id])
        assert self.admin is not None
        return actor_for_account(s, self.admin)

    def _backdate_request(self, req: Request, days_ago: float) -> None:
        s = self.session
        now = now_utc()
        start = now - timedelta(days=days_ago)
        entries = list(
            s.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.request_id == req.id)
                .order_by(TimelineEntry.id)
            )
        )
        span = (now - start) * 0.8
        step = span / max(1, len(entries))
        mapping: dict[str, datetime] = {}
        for i, entry in enumerate(entries):
            entry.created_at = start + step * i
            mapping[entry.action] = entry.created_at
        shift = req.created_at - start
        req.created_at = start
        req.number = f"{start.strftime('%y%m%d')}{req.id}"
        if req.escalated_at is None:
            req.due_at = req.due_at - shift
            if req.status in requests.OPEN_STATUSES and req.first_answered_at is None:
                # Still waiting for an answer: not overdue yet (escalation is shown by r10).
                req.due_at = max(req.due_at, now + timedelta(hours=2))
        for field, action in (
            ("first_answered_at", "replied"),
            ("resolved_at", "resolved"),
            ("confirmed_at", "confirmed"),
            ("rated_at", "rated"),
            ("escalated_at", "escalated"),
        ):
            if getattr(req, field) is not None and action in mapping:
                setattr(req, field, mapping[action])
        if req.first_answered_at is not None and req.resolved_at is not None:
            req.first_answered_at = min(req.first_answered_at, req.resolved_at)


def load(
    session: Session,
    *,
    levels: Sequence[str] = DEFAULT_LEVELS,
    first_answer_hours: int = 48,
    reopen_window_days: int = 15,
    today: date | None = None,
    points_rules: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Create (or complete) the demo township; returns summary counts of what exists.

    The caller commits. Running it again changes nothing.
    """
    loader = _Loader(session, levels, today or local_date())
    outbox_before = session.scalar(select(func.max(OutboundMessage.id))) or 0
    loader.build_tree()
    loader.build_members()
    loader.build_households()
    loader.build_residents()
    loader.slogan_attempt()
    for c, actor, profile in loader.member_commitments():
        notes = next(t["notes"] for t in MEMBER_TEMPLATES.values() if t["title"] == c.title)
        loader.member_logs(c, actor, profile, notes)
    for c, actor, key in loader.branch_pledges():
        loader.pledge_logs(c, actor, key)
    loader.requests(first_answer_hours, reopen_window_days)
    if points_rules is None:
        from infra.config import PointsSection

        points_rules = PointsSection().rules
    _verify_older_logs(session, loader.today, points_rules)
    # The services queued notifications to the demo residents' (fictional) openids for
    # events that happened "in the past": they must never be sent.
    session.execute(delete(OutboundMessage).where(OutboundMessage.id > outbox_before))
    session.flush()
    return summary(session)


def _verify_older_logs(session: Session, today: date, rules: Mapping[str, int]) -> None:
    """Each branch secretary has verified the logs of more than a month ago (the newer ones
    wait in the verification queue), so the demo's 先锋指数 and rankings are not empty.
    Goes through ``fulfilment.verify_log`` and ``points.sync``; a second run changes nothing."""
    from services.evaluation import points

    cutoff = today - timedelta(days=31)
    secretaries = {
        grant.org_id: grant.member_id
        for grant in session.scalars(
            select(RoleGrant).where(RoleGrant.role == Role.SECRETARY.value)
        )
        if grant.member_id is not None
    }
    actors: dict[int, Any] = {}
    rows = session.execute(
        select(FulfilmentLog, Commitment.org_id)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(FulfilmentLog.verified_at.is_(None), FulfilmentLog.happened_on <= cutoff)
        .order_by(FulfilmentLog.id)
    ).all()
    for entry, org_id in rows:
        secretary_id = secretaries.get(org_id)
        if secretary_id is None or entry.member_id == secretary_id:
            continue  # nobody verifies their own log
        if secretary_id not in actors:
            actors[secretary_id] = actor_for_member(session, session.get_one(Member, secretary_id))
        fulfilment.verify_log(session, actors[secretary_id], entry)
    session.flush()
    points.sync(session, rules, today)


def summary(session: Session) -> dict[str, int]:
    """Counts of the demo township as it stands (Chinese labels for the CLI)."""
    township = session.scalar(select(Organisation).where(Organisation.code == TOWNSHIP[0]))
    if township is None:
        return {}
    subtree = select(Organisation.id).where(Organisation.path.startswith(township.path))
    member_ids = select(Member.id).where(Member.org_id.in_(subtree))

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    return {
        "党支部": count(
            select(func.count(Organisation.id)).where(
                Organisation.id.in_(subtree), Organisation.kind == OrgKind.BRANCH.value
            )
        ),
        "党小组": count(
            select(func.count(Organisation.id)).where(
                Organisation.id.in_(subtree), Organisation.kind == OrgKind.GROUP.value
            )
        ),
        "党员": count(select(func.count(Member.id)).where(Member.org_id.in_(subtree))),
        "免于承诺": count(
            select(func.count(Member.id)).where(Member.org_id.in_(subtree), Member.exempt.is_(True))
        ),
        "户": count(select(func.count(Household.id)).where(Household.org_id.in_(subtree))),
        "联户": count(
            select(func.count(MemberHousehold.id)).where(MemberHousehold.member_id.in_(member_ids))
        ),
        "承诺": count(select(func.count(Commitment.id)).where(Commitment.org_id.in_(subtree))),
        "已公开承诺": count(
            select(func.count(Commitment.id)).where(
                Commitment.org_id.in_(subtree),
                Commitment.status == CommitmentStatus.PUBLISHED.value,
            )
        ),
        "践诺记录": count(
            select(func.count(FulfilmentLog.id))
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(Commitment.org_id.in_(subtree))
        ),
        "诉求": count(select(func.count(Request.id)).where(Request.org_id.in_(subtree))),
        "群众账号": count(
            select(func.count(Account.id)).where(
                Account.member_id.is_(None), Account.household_id.is_not(None)
            )
        ),
    }
