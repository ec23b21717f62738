"""The chat as people really talk: plain words answered with a one-tap question, typed menu
labels and typos, the answer "1" / "2", 承诺 (a commitment drafted in the chat) and
更多 (the next page of a long reply). 撤销 and 修改 are in ``logs``.

Which words mean what is ``services.chat.intents`` (one word-list rule set); the pending
question is ``services.chat.conversation`` (in the database: the answer may reach another
worker or a restarted one). A message that matches a command never reads either.
"""

from __future__ import annotations

from handlers.bot.context import (
    MORE_FOOTER,
    REPLY_LIMIT,
    BotContext,
    _not_member_reply,
    bot,
    my_commitments_list,
    normalise_text,
    parse_quantity,
)
from handlers.bot.help import help_text
from handlers.bot.logs import fallback, save_log
from handlers.bot.requests import submit_request
from infra.clock import local_date
from models import Commitment, Note
from services import chat, commitments, requests
from services.commitments import quantify
from services.errors import MultiValidationError, ValidationError

ASK = {
    "problem": "要把这条作为问题反映提交吗？",
    "wish": "要把这条作为微心愿提交吗？",
    "suggestion": "要把这条作为建议提交吗？",
    "complaint": "要把这条作为投诉提交吗？",
}
YES_NO = "回复 1 提交，回复 2 不用了。"


def understand(text: str) -> str:
    """What the bot makes of ``text`` without acting on it: ``command:<keyword>`` for a
    command (typed, or reached through a label, variant or typo), else the plain-word
    intent (problem, wish, …, yes, no, unknown). The table test reads this."""
    text = normalise_text(text)
    matched = bot.match(text)
    if matched is not None:
        return f"command:{matched[0]}"
    return chat.classify(text).kind


def answer_text(ctx: BotContext, text: str) -> str:
    """A text (typed or recognised from a voice): a command, else the plain-word rules."""
    if not text:
        return help_text(ctx)
    matched = bot.match_text(text)
    if matched is not None:
        fn, args = matched
        return fn(ctx, args)
    return plain_words(ctx, text)


@bot.fallback
def plain_words(ctx: BotContext, text: str) -> str:
    intent = chat.classify(text)
    state = chat.pending(ctx.session, ctx.account.id, ctx.now, with_expired=True)
    if state is not None and state.expired:
        if intent.kind in ("yes", "no") and state.kind != "more":
            return (
                "刚才的问题已经超过 10 分钟，没有提交。需要的话请重新发送要说的内容"
                "（打字或语音都可以）。"
            )
        state = None
    if state is not None:
        answered = _answer(ctx, state, intent.kind, text)
        if answered is not None:
            return answered
    if intent.kind in ASK:
        chat.remember(ctx.session, ctx.account.id, "request",
                      {"kind": intent.kind, "text": ctx.written(text)}, ctx.now)  # fmt: skip
        return f"“{ctx.written(text)[:60]}”\n{ASK[intent.kind]}{YES_NO}"
    if intent.kind == "log" and ctx.account.member_id:
        return _ask_log(ctx, text)
    if intent.kind in ("yes", "no"):
        return "现在没有需要您确认的事情。发送“帮助”查看可以做什么。"
    if intent.kind == "greeting":
        return "您好！有问题或心愿可以直接说，也可以发语音。\n" + help_text(ctx)
    if intent.kind == "thanks":
        return "不客气！有事随时发消息。"
    return fallback(ctx, text)


# ------------------------------------------------------------------ the pending question


def _answer(ctx: BotContext, state: chat.Pending, kind: str, text: str) -> str | None:
    """The reply to ``text`` as the answer to the pending question, or None when it is not
    an answer (then it is read as a new message)."""
    data = state.data
    if state.kind == "log_pick" and text.isdigit():
        return _log_picked(ctx, int(text), data)
    if kind == "no":
        chat.clear(ctx.session, ctx.account.id)
        return "好的，不用了。有事随时发消息。"
    if state.kind == "place" and kind != "yes":
        if len(text) < 2 or kind in ("greeting", "thanks"):
            return None
        chat.clear(ctx.session, ctx.account.id)
        req_kind = kind if kind in ASK else "problem"
        label = str(data.get("label") or "")
        req, reply = submit_request(ctx, req_kind, ctx.written(text))
        requests.attach_location(ctx.session, ctx.actor, req, data["lat"], data["lng"], label)
        return reply
    if kind != "yes":
        return None
    chat.clear(ctx.session, ctx.account.id)
    if state.kind == "request":
        return submit_request(ctx, str(data["kind"]), str(data["text"]))[1]
    if state.kind == "log_again":
        c = ctx.session.get_one(Commitment, int(data["commitment_id"]))
        return save_log(ctx, c, int(data["quantity"]), str(data["note"]))
    if state.kind == "log_pick":
        if int(str(data.get("choices") or 1)) > 1:  # "好" does not say which one
            chat.remember(ctx.session, ctx.account.id, "log_pick", data, ctx.now)
            return f"请回复承诺的序号（1 到 {data['choices']}），或回复“不用”。"
        return _log_picked(ctx, 1, data)
    if state.kind == "commit":
        return _commit_confirmed(ctx, str(data["title"]))
    if state.kind == "place":
        chat.remember(ctx.session, ctx.account.id, "place", data, ctx.now)
        return "请直接说一下这里有什么问题（打字或发语音都可以）。"
    return None


def _ask_log(ctx: BotContext, text: str) -> str:
    member = ctx.member
    items = my_commitments_list(ctx.session, member) if member else []
    written = ctx.written(text)
    note = Note(account_id=ctx.account.id, member_id=ctx.account.member_id, channel="bot",
                text=written[:2000], reason="像是践诺记录，但没有指明承诺序号",
                created_at=ctx.now)  # fmt: skip
    ctx.session.add(note)
    ctx.session.flush()
    if not items:
        return "这条内容已保存。您还没有已公开的承诺，承诺公开后请支部帮您补记。"
    chat.remember(ctx.session, ctx.account.id, "log_pick",
                  {"text": written, "note_id": note.id, "choices": len(items)}, ctx.now)  # fmt: skip
    if len(items) == 1:
        return (
            f"这条内容已保存。要记为承诺“{items[0].title}”的践诺吗？\n回复 1 记录，回复 2 不用了。"
        )
    lines = [f"这条内容已保存。要记为哪一条承诺的践诺？回复序号（1 到 {len(items)}）："]
    lines += [f"{i}. {c.title}" for i, c in enumerate(items, 1)]
    lines.append("回复“不用”就不记。")
    return "\n".join(lines)


def _log_picked(ctx: BotContext, index: int, data: dict[str, object]) -> str:
    member = ctx.member
    items = my_commitments_list(ctx.session, member) if member else []
    if not 1 <= index <= len(items):
        return f"请回复 1 到 {len(items)} 之间的序号，或回复“不用”。"
    chat.clear(ctx.session, ctx.account.id)
    c = items[index - 1]
    text = str(data["text"])
    qty, _ = parse_quantity(normalise_text(text), c.unit)
    note = ctx.session.get(Note, int(str(data.get("note_id") or 0)))
    if note is not None:
        ctx.session.delete(note)  # it is a log now, no longer a loose note
    return save_log(ctx, c, qty, text)


# ------------------------------------------------------------------ 承诺


def _missing(problems: dict[str, str]) -> str:
    return "\n".join(f"· {p}" for p in problems.values())


@bot.text("承诺", "我承诺", "我要承诺")
def cmd_commit(ctx: BotContext, args: str) -> str:
    if ctx.member is None:
        return _not_member_reply()
    if len(args) < 2:
        return "请在“承诺”后面写上要做的事、做多少、多久一次，例如：承诺 每月打扫村口一次"
    title = ctx.written(args)
    today = local_date(ctx.now)
    try:
        fields = quantify.check({"title": title}, today)
    except MultiValidationError as exc:
        return (
            f"这条承诺还不能提交，还缺：\n{_missing(exc.problems)}\n请补充后重新发送“承诺 内容”。"
        )
    except ValidationError as exc:
        return f"这条承诺还不能提交：{exc.message}\n请修改后重新发送“承诺 内容”。"
    end = fields["end_date"]
    target = quantify.describe_target(
        str(fields["target_kind"]), int(str(fields["target_quantity"])), str(fields["unit"]),
        str(fields["frequency"]) if fields.get("frequency") else None,
        end if isinstance(end, type(today)) else today,
    )  # fmt: skip
    chat.remember(ctx.session, ctx.account.id, "commit", {"title": title}, ctx.now)
    notes = fields.get("notes") or []
    assumed = f"（{'；'.join(str(n) for n in notes)}）" if isinstance(notes, list) and notes else ""
    return f"将提交这条承诺：{title}\n目标：{target}{assumed}\n回复 1 提交审核，回复 2 不用了。"


def _commit_confirmed(ctx: BotContext, title: str) -> str:
    c = commitments.create(ctx.session, ctx.actor, {"title": title}, today=local_date(ctx.now))
    commitments.submit(ctx.session, ctx.actor, c, ctx.settings.commitments.review_levels)
    status = commitments.STATUS_LABELS.get(c.status, c.status)
    return f"承诺“{c.title}”已提交（{status}）。审核通过公开后，发送“我的承诺”就能看到并记录践诺。"


# ------------------------------------------------------------------ replies that fit a phone


def _cut(line: str, room: int) -> list[str]:
    """``line`` in pieces of at most ``room`` bytes (whole characters)."""
    pieces: list[str] = []
    while len(line.encode("utf-8")) > room:
        cut = room // 3 or 1
        while cut < len(line) and len(line[: cut + 1].encode("utf-8")) <= room:
            cut += 1
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line]


def fit(ctx: BotContext, reply: str) -> str:
    """Keep a reply within WeChat's 2,048 bytes: the rest waits for "更多"."""
    if len(reply.encode("utf-8")) <= REPLY_LIMIT:
        return reply
    room = REPLY_LIMIT - len(MORE_FOOTER.encode("utf-8"))
    pages: list[str] = []
    page = ""
    for line in reply.split("\n"):
        for piece in _cut(line, room):
            candidate = f"{page}\n{piece}" if page else piece
            if page and len(candidate.encode("utf-8")) > room:
                pages.append(page)
                page = piece
            else:
                page = candidate
    pages.append(page)
    chat.remember(ctx.session, ctx.account.id, "more", {"pages": pages[1:]}, ctx.now)
    return pages[0] + MORE_FOOTER


@bot.text("更多")
def cmd_more(ctx: BotContext, _args: str) -> str:
    state = chat.pending(ctx.session, ctx.account.id, ctx.now)
    pages = list(state.data.get("pages") or []) if state and state.kind == "more" else []
    if not pages:
        return "没有更多内容了。发送“帮助”查看可以做什么。"
    first, rest = pages[0], pages[1:]
    if rest:
        chat.remember(ctx.session, ctx.account.id, "more", {"pages": rest}, ctx.now)
        return first + MORE_FOOTER
    chat.clear(ctx.session, ctx.account.id)
    return first
