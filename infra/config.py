"""Configuration: committed defaults, an override file, then environment variables.

Order (later wins): ``config.yaml`` → the YAML file named by ``JIANNUO_CONFIG`` →
``JIANNUO_<SECTION>__<KEY>`` environment variables. The merged result is validated by the
pydantic models below: a wrong type, an unknown key or a missing secret for an enabled
feature stops start-up with one line naming the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from infra.paths import ROOT

DEFAULT_FILE = ROOT / "config.yaml"
ENV_PREFIX = "JIANNUO_"


class ConfigError(SystemExit):
    """Raised for bad configuration; as a SystemExit it ends the process with one line."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"配置错误 (config error) {key}: {message}")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class AppSection(Section):
    name: str = "践诺"
    township_name: str = "示范镇"
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # How many reverse proxies (nginx, a load balancer) stand in front of the app and set
    # X-Forwarded-For / X-Forwarded-Proto; 0 = none (the peer address is the client).
    trusted_proxies: int = Field(default=0, ge=0, le=5)


class DatabaseSection(Section):
    url: str = "sqlite:///instance/jiannuo.db"
    echo: bool = False
    # PostgreSQL pool: connections are replaced after this many seconds (before a firewall or
    # the server drops idle ones) instead of being pinged on every checkout (a round trip per
    # request); pre-ping back on for networks that cut connections sooner. See README.
    pool_recycle_seconds: int = Field(default=1800, ge=60)
    pool_pre_ping: bool = False


class RedisSection(Section):
    url: str = ""


class OfficialAccountSection(Section):
    app_id: str = ""
    secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    # WeChat's 消息加解密方式, as set on the platform: plain (明文), compatible (兼容: both
    # kinds arrive, encrypted ones are checked) or safe (安全: unencrypted bodies refused).
    # Unset: safe when an EncodingAESKey is configured, else plain.
    mode: Literal["plain", "compatible", "safe"] = "plain"

    @model_validator(mode="before")
    @classmethod
    def _default_mode(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("mode"):
            data = {**data, "mode": "safe" if data.get("encoding_aes_key") else "plain"}
        return data

    @model_validator(mode="after")
    def _key_for_mode(self) -> OfficialAccountSection:
        if self.mode != "plain" and not self.encoding_aes_key:
            raise _Missing(
                "wechat.official_account.encoding_aes_key",
                f"消息加解密方式为 {self.mode}（兼容/安全模式）时必须设置",
            )
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.app_id)


class MiniProgramSection(Section):
    app_id: str = ""
    secret: str = ""
    # Which version printed 小程序码 open: release (正式版; WeChat checks the page is
    # published), trial (体验版) or develop (开发版); the last two send check_path false.
    env_version: Literal["release", "trial", "develop"] = "release"

    @property
    def enabled(self) -> bool:
        return bool(self.app_id)


class WechatSection(Section):
    api_base_url: str = "https://api.weixin.qq.com"
    timeout_seconds: float = 4.0
    callback_path: str = "/wechat/callback"
    official_account: OfficialAccountSection = OfficialAccountSection()
    mini_program: MiniProgramSection = MiniProgramSection()
    # The official-account menu as WeChat's menu/create "button" list; checked against
    # WeChat's limits by `flask wechat menu push` before anything is sent.
    menu: list[dict[str, Any]] = [
        {"type": "click", "name": "我的承诺", "key": "MY_COMMITMENTS"},
        {"type": "click", "name": "我的诉求", "key": "MY_REQUESTS"},
        {"type": "click", "name": "践诺进度", "key": "PROGRESS"},
    ]


class CommitmentsSection(Section):
    review_levels: list[Literal["group", "branch", "township"]] = ["group", "branch", "township"]
    log_edit_window_hours: int = 24
    backdate_days: int = Field(default=7, ge=0, le=366)


class RequestsSection(Section):
    first_answer_hours: int = 48
    resolve_days: int = Field(default=7, ge=1, le=366)  # resolution limit; overdue escalates
    reopen_window_days: int = 15
    # Official-account template for notices outside WeChat's 48-hour window ("" = none).
    notice_template_id: str = ""
    # Mini-program subscription templates (订阅消息, "" = none): the answer to a resident's
    # request (asked before submitting one) and a new 待办 for a member (asked on first 待办).
    answer_subscribe_template_id: str = ""
    inbox_subscribe_template_id: str = ""
    # The field keys of the templates chosen in the 公众平台 / 小程序后台 for those notices:
    # item (事项, a thing field), number (编号) and hint (提示). Each template lists its own keys
    # (e.g. thing1, character_string2, thing3) on its detail page; copy them here.
    template_fields: dict[Literal["item", "number", "hint"], str] = {
        "item": "thing1",
        "number": "character_string2",
        "hint": "thing3",
    }
    # The public "找他办事" form (/m/<code>/ask): submissions per client address, and how long
    # the signed token in the form stays valid.
    web_form_rate_limit: str = "10 per minute; 60 per hour"
    web_form_token_minutes: int = 120


class UploadsSection(Section):
    dir: str = "instance/uploads"
    max_bytes: int = 5 * 1024 * 1024
    # Decoded size caps, checked from the file header before any decoding: larger images are
    # refused (JPEGs are first reduced while decoding, so big phone photos still fit).
    max_pixels: int = Field(default=16_000_000, ge=1)
    max_side: int = Field(default=4096, ge=16)
    max_per_day: int = Field(default=100, ge=1)  # uploads per user per local day


class ApiSection(Section):
    token_ttl_hours: int = 168
    write_rate_limit: str = "30 per minute"
    content_check_timeout_seconds: float = 2.0
    # Public, caller-independent reads (board, wall, card, org list) are cached this long;
    # 0 turns the cache off. Redis when redis.url is set (shared by workers), else per process.
    public_cache_seconds: int = Field(default=30, ge=0)
    # a township's red/yellow flags (a ranking of all its branches, shown on every board):
    # kept this long, so that 100 boards do not each rank 100 branches (0 = as the cache above)
    flags_cache_seconds: int = Field(default=300, ge=0)


class ContentSection(Section):
    """The local word list of the content gate (``services/content.py``).

    WeChat's msg_sec_check needs the author's mini-program openid; official-account users have
    none, so every text is also matched against these words. A hit holds the text for the
    branch secretary's approval. ``word_list_file`` (one word per line, ``#`` comments; relative
    paths from the repository root) adds to ``blocked_words``.
    """

    blocked_words: list[str] = ["法轮功", "六合彩", "代开发票", "网络赌博", "裸聊"]
    word_list_file: str = ""

    @model_validator(mode="after")
    def _file_exists(self) -> ContentSection:
        if self.word_list_file and not self.word_list_path().is_file():
            raise _Missing("content.word_list_file", f"找不到词表文件 {self.word_list_path()}")
        return self

    def word_list_path(self) -> Path:
        path = Path(self.word_list_file)
        return path if path.is_absolute() else ROOT / path

    def words(self) -> list[str]:
        """``blocked_words`` plus the file's words, blanks and comments dropped."""
        words = list(self.blocked_words)
        if self.word_list_file:
            for line in self.word_list_path().read_text(encoding="utf-8").splitlines():
                word = line.split("#", 1)[0].strip()
                if word:
                    words.append(word)
        return [w.strip() for w in words if w.strip()]


class PointsSection(Section):
    """先锋指数: points per verified event (negative for a missed period) and 闪亮之星."""

    rules: dict[str, int] = {
        "verified_log": 2,
        "commitment_completed": 10,
        "request_rated_satisfied": 5,
        "period_missed": -2,
    }
    star_count: int = 3
    star_min_satisfaction: float = 0.9
    star_min_ratings: int = 1


class CivicRule(Section):
    """One 文明存折 rule: the deed, its points, who may award it, the monthly cap per awarder."""

    code: str = Field(min_length=1, max_length=32)
    item: str = Field(min_length=1, max_length=50)
    points: int = Field(ge=1, le=1000)
    awarders: list[Literal["secretary", "deputy_secretary", "group_leader", "township_admin"]] = [
        "secretary",
        "deputy_secretary",
    ]
    monthly_cap: int = Field(default=100, ge=1)  # points one awarder may give under it a month


class CivicSection(Section):
    """雷锋文明存折 (residents' civic points, never 先锋指数) and 议事."""

    book_per: Literal["household", "resident"] = "household"
    rules: list[CivicRule] = [
        CivicRule(
            code="rescue",
            item="抢险救灾",
            points=10,
            awarders=["secretary", "deputy_secretary", "group_leader"],
            monthly_cap=50,
        ),
        CivicRule(
            code="neighbour",
            item="邻里互助",
            points=5,
            awarders=["secretary", "deputy_secretary", "group_leader"],
            monthly_cap=30,
        ),
        CivicRule(code="clean", item="环境卫生", points=2, monthly_cap=40),
        CivicRule(code="volunteer", item="志愿服务", points=3, monthly_cap=60),
    ]
    scan_token_minutes: int = Field(default=5, ge=1, le=60)  # life of the code shown at the counter
    honour_list_size: int = Field(default=20, ge=1, le=200)


class ReportsSection(Section):
    red_flag_count: int = 1
    yellow_flag_below_percent: int = 60
    download_token_days: int = 30
    member_card_logs: int = 5


class PracticesSection(Section):
    """The township's routines: 联户走访, 主题党日, 三评 and the pledge-template catalogue.

    ``branch_rubric`` is the secretary's monthly score (label → value 0–100) and
    ``survey_rubric`` the residents' quarterly survey; ``star_weights`` weigh the 闪亮之星
    composite (formula in README.md): 先锋指数 × points + the year's averages (0–100) of the
    monthly branch score × branch_score, of the residents' survey × survey and of the half-year
    mutual evaluation × mutual. ``templates_file``: the pledge catalogue (relative paths from
    the repository root)."""

    branch_rubric: dict[str, int] = {"好": 100, "较好": 80, "一般": 60, "差": 0}
    survey_rubric: dict[str, int] = {"满意": 100, "基本满意": 60, "不满意": 0}
    star_weights: dict[Literal["points", "branch_score", "survey", "mutual"], float] = {
        "points": 1.0,
        "branch_score": 0.1,
        "survey": 0.1,
        "mutual": 0.1,
    }
    templates_file: str = "services/practices/pledge_templates.yaml"

    @model_validator(mode="after")
    def _valid(self) -> PracticesSection:
        for key in ("branch_rubric", "survey_rubric"):
            rubric = getattr(self, key)
            if not rubric or any(not 0 <= v <= 100 for v in rubric.values()):
                raise _Missing(f"practices.{key}", "至少一项，每项的分值在 0 到 100 之间")
        if not self.templates_path().is_file():
            raise _Missing(
                "practices.templates_file", f"找不到承诺模板文件 {self.templates_path()}"
            )
        return self

    def templates_path(self) -> Path:
        path = Path(self.templates_file)
        return path if path.is_absolute() else ROOT / path


class ScreenSection(Section):
    """The big screen (/o/<code>/screen) and the printed and posted figures (issue 21)."""

    page_size: int = Field(default=12, ge=1, le=60)  # members per screen page
    page_seconds: int = Field(default=15, ge=2, le=600)  # next page after this long
    refresh_seconds: int = Field(default=60, ge=2, le=3600)  # data refreshed without a reload
    font_path: str = ""  # a CJK font for posters; empty: found with fc-match (fonts-noto-cjk)
    poster_width: int = Field(default=750, ge=360, le=1600)  # a phone's width, px


class SchedulerSection(Section):
    """Job times (local time, Asia/Shanghai) for the scheduler process (`flask scheduler run`)."""

    timezone: str = "Asia/Shanghai"
    monthly_summary_day: int = 1  # day of month; summarises the previous month
    monthly_summary_time: str = "09:00"
    month_close_time: str = "00:30"  # 月结, on the summary's day, before it
    party_day_reminder_day: int = 25  # 主题党日 reminder, day of month
    party_day_reminder_time: str = "09:00"
    quarterly_review_time: str = "09:30"  # 1st of Jan/Apr/Jul/Oct, covers the last quarter
    halfyear_checkoff_time: str = "10:00"  # 1st of Jan/Jul, covers the last half-year
    checkoff_threshold: int = 60  # half-year check-off names branches below this completion %
    daily_reminders_time: str = "08:30"
    reminder_days_ahead: int = 3  # remind when a period or deadline ends within this many days
    reminder_template_id: str = ""  # official-account template id for personal reminders
    # The field keys of that template: item (事项, a thing field), due (到期日, a time field) and
    # hint (提示); copy them from the template's detail page in the 公众平台.
    reminder_fields: dict[Literal["item", "due", "hint"], str] = {
        "item": "thing1",
        "due": "time2",
        "hint": "thing3",
    }
    daily_escalation_time: str = "08:00"
    daily_points_time: str = "02:00"  # idempotent points sync (先锋指数) from verified events
    dispatcher_interval_seconds: int = 10
    misfire_grace_seconds: int = 86400  # a run missed by at most this much is caught up
    stale_claim_seconds: int = 120  # a 'sending' row older than this is retried (outcome unknown)


class WecomSection(Section):
    """WeCom (企业微信) group robots; webhook keys live in env vars named per robot."""

    robot_base_url: str = "https://qyapi.weixin.qq.com"
    rate_per_minute: int = 20
    timeout_seconds: float = 5.0
    max_attempts: int = 10
    backoff_base_seconds: int = 10
    backoff_max_seconds: int = 1800


class StaffSection(Section):
    """The PC workbench (/staff): 扫码登录 code lifetime and list page size."""

    login_qr_seconds: int = Field(default=300, ge=30, le=3600)
    page_size: int = Field(default=30, ge=5, le=200)


class Settings(Section):
    app: AppSection = AppSection()
    database: DatabaseSection = DatabaseSection()
    redis: RedisSection = RedisSection()
    wechat: WechatSection = WechatSection()
    commitments: CommitmentsSection = CommitmentsSection()
    requests: RequestsSection = RequestsSection()
    uploads: UploadsSection = UploadsSection()
    api: ApiSection = ApiSection()
    content: ContentSection = ContentSection()
    scheduler: SchedulerSection = SchedulerSection()
    wecom: WecomSection = WecomSection()
    points: PointsSection = PointsSection()
    civic: CivicSection = CivicSection()
    reports: ReportsSection = ReportsSection()
    practices: PracticesSection = PracticesSection()
    screen: ScreenSection = ScreenSection()
    staff: StaffSection = StaffSection()

    @property
    def demo(self) -> bool:
        """Demo mode: no WeChat credentials at all. Demo shortcuts are off otherwise."""
        return not (self.wechat.official_account.enabled or self.wechat.mini_program.enabled)

    @model_validator(mode="after")
    def _secrets_for_enabled_features(self) -> Settings:
        oa = self.wechat.official_account
        if oa.enabled:
            for key in ("secret", "token"):
                if not getattr(oa, key):
                    raise _Missing(f"wechat.official_account.{key}")
            if oa.encoding_aes_key and len(oa.encoding_aes_key) != 43:
                raise _Missing("wechat.official_account.encoding_aes_key", "必须是 43 个字符")
        mp = self.wechat.mini_program
        if mp.enabled and not mp.secret:
            raise _Missing("wechat.mini_program.secret")
        if not self.demo and not self.app.secret_key:
            raise _Missing("app.secret_key", "配置了微信凭据时必须设置（用于签发登录令牌）")
        return self


class _Missing(ValueError):
    def __init__(self, key: str, message: str = "已启用该功能，但缺少这个密钥") -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# libyaml's safe loader where PyYAML was built with it (the same documents, 10× faster: every
# create_app reads config.yaml, and the tests build an app per test); else the pure-Python one
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}  # noqa: S506
    except FileNotFoundError as exc:
        raise ConfigError(label, f"找不到配置文件 {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(label, f"{path} 不是合法的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(label, f"{path} 顶层必须是键值映射")
    return data


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if len(parts) < 2 or not all(parts):
            raise ConfigError(name, "环境变量须形如 JIANNUO_<SECTION>__<KEY>")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        # YAML parsing gives lists, numbers and booleans from text ("[group]", "8", "true").
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if value is None or (
            isinstance(value, (dict, int, float, bool)) and parts[-1] in _STRING_KEYS
        ):
            value = raw
        node[parts[-1]] = value
    return out


# Keys whose values are always text even when they look like numbers (app ids, secrets).
_STRING_KEYS = {"app_id", "secret", "token", "encoding_aes_key", "secret_key", "url", "name"}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    base_file: Path = DEFAULT_FILE,
) -> Settings:
    """Build validated settings; ``overrides`` (tests) apply after the environment."""
    environ = os.environ if environ is None else environ
    data = _read_yaml(base_file, "config.yaml")
    extra = environ.get(ENV_PREFIX + "CONFIG")
    if extra:
        data = _deep_merge(data, _read_yaml(Path(extra), ENV_PREFIX + "CONFIG"))
    data = _deep_merge(data, _env_overrides(environ))
    if overrides:
        data = _deep_merge(data, overrides)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _Missing):
            raise ConfigError(ctx_error.key, ctx_error.message) from None
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise ConfigError(key, _explain(err)) from None


def _explain(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "未知的配置项（拼写错误？请对照 README 的配置说明）"
    if kind.startswith(("int_", "float_", "bool_", "string_", "list_", "dict_", "model_")):
        return f"类型不对：{err['msg']}（得到 {err.get('input')!r}）"
    if kind == "literal_error":
        return f"取值不在允许范围内：{err['msg']}"
    return str(err["msg"])
