"""What each real-sounding message must mean (issue 15): the README's commands, colloquial
variants, typos, full-width characters and typed menu labels.

``understand`` is what the bot makes of a message before acting: ``command:<keyword>`` for a
command (typed, or reached through a label or typo), else the plain-word intent of
``services.chat.intents``. A changed word list that moves any of these fails here."""

from __future__ import annotations

import pytest

from handlers.bot import commands  # noqa: F401  (loads every module that registers a command)
from handlers.bot.chat import understand
from services import chat

ROWS: list[tuple[str, str]] = [
    # README's commands as typed
    ("帮助", "command:帮助"),
    ("help", "command:help"),
    ("?", "command:?"),
    ("菜单", "command:菜单"),
    ("绑定 K7M2Q9XA", "command:绑定"),
    ("解绑", "command:解绑"),
    ("我的承诺", "command:我的承诺"),
    ("践诺 1 给村东路树木浇水 3次", "command:践诺"),
    ("践诺1浇水", "command:践诺"),
    ("打卡 2 走访3户", "command:打卡"),
    ("反映 村东路灯坏了", "command:反映"),
    ("心愿 想给孩子找个辅导老师", "command:心愿"),
    ("建议 村口装个减速带", "command:建议"),
    ("投诉 垃圾站三天没清运", "command:投诉"),
    ("查询 2501011", "command:查询"),
    ("查询", "command:查询"),
    ("确认 2501011", "command:确认"),
    ("重开 2501011 路灯还是不亮", "command:重开"),
    ("满意 2501011", "command:满意"),
    ("基本满意 2501011", "command:基本满意"),
    ("不满意 2501011 没人来", "command:不满意"),
    ("进度", "command:进度"),
    ("待办", "command:待办"),
    ("认领 2501011", "command:认领"),
    ("答复 2501011 明天来修", "command:答复"),
    ("办结 2501011 已解决 已更换灯泡", "command:办结"),
    ("转交 2501011 不在我片区", "command:转交"),
    ("承诺 每月打扫村口一次", "command:承诺"),
    ("撤销", "command:撤销"),
    ("修改 1 3", "command:修改"),
    ("更多", "command:更多"),
    # full-width characters and punctuation
    ("践诺１，扫落叶×３", "command:践诺"),
    ("反映：路灯坏了", "command:反映"),
    ("ＨＥＬＰ", "command:help"),
    ("查询　２５０１０１１", "command:查询"),
    ("？", "command:?"),
    # typed menu labels and their spoken forms
    ("我的诉求", "command:查询"),
    ("我的诉求。", "command:查询"),
    ("践诺进度", "command:进度"),
    ("我反映的问题", "command:查询"),
    ("查看我的承诺", "command:我的承诺"),
    ("我的任务", "command:待办"),
    ("下一页", "command:更多"),
    ("怎么用", "command:帮助"),
    ("记错了", "command:撤销"),
    # typos
    ("反应 路灯坏了", "command:反映"),
    ("反应路灯坏了", "command:反映"),
    ("践若 1 浇水", "command:践诺"),
    ("贱诺 1 浇水3次", "command:践诺"),
    ("我得承诺", "command:我的承诺"),
    ("撤消", "command:撤销"),
    ("查寻 2501011", "command:查询"),
    ("举报 有人乱倒建筑垃圾", "command:投诉"),
    # answers to a question
    ("1", "yes"),
    ("１", "yes"),
    ("好的", "yes"),
    ("是", "yes"),
    ("嗯", "yes"),
    ("提交", "yes"),
    ("2", "no"),
    ("不用了", "no"),
    ("算了", "no"),
    ("不要", "no"),
    ("取消", "no"),
    # plain words: problems, wishes, suggestions, complaints
    ("村口路灯坏了没人修", "problem"),
    ("我家门口的下水道堵了", "problem"),
    ("自来水管漏水好几天了", "problem"),
    ("晚上广场舞太吵了睡不着", "problem"),
    ("小桥的栏杆断了很危险", "problem"),
    ("河边好多垃圾没人管", "problem"),
    ("村里又停电了", "problem"),
    ("希望村里能建个老年活动室", "wish"),
    ("能不能帮我家老人申请一下低保", "wish"),
    ("想要一个篮球架给孩子们", "wish"),
    ("应该在学校门口装个红绿灯", "suggestion"),
    ("最好每周清一次垃圾", "suggestion"),
    ("村干部态度差，办事推诿", "complaint"),
    # plain words that read like a log (for a member)
    ("今天帮李奶奶打扫了院子", "log"),
    ("今天清理了河边的垃圾", "log"),
    ("村里垃圾太多了", "problem"),
    ("想请人帮忙清理一下垃圾", "wish"),
    ("今天又停电了", "problem"),
    ("上午走访了5户困难群众", "log"),
    ("给村东的树浇了3次水", "log"),
    ("昨天去敬老院看望了老人", "log"),
    # greetings, thanks, and what nobody can read
    ("你好", "greeting"),
    ("在吗", "greeting"),
    ("谢谢", "thanks"),
    ("辛苦了！", "thanks"),
    ("哈哈", "unknown"),
    ("[微笑]", "unknown"),
    ("天气不错呀朋友们", "unknown"),
]


def test_the_table_is_big_enough() -> None:
    assert len(ROWS) >= 60
    assert len({text for text, _ in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("text", "intent"), ROWS)
def test_message_means(text: str, intent: str) -> None:
    assert understand(text) == intent


@pytest.mark.parametrize(("word", "keyword"), sorted(chat.ALIASES.items()))
def test_every_label_and_typo_reaches_its_command(word: str, keyword: str) -> None:
    assert understand(word + ("" if word in chat.LABELS else " 2501011")) == f"command:{keyword}"


def test_a_label_with_more_words_is_read_as_words() -> None:
    # "我的问题" alone is the menu label; in a sentence it is the problem itself
    assert understand("我的问题是路灯坏了") == "problem"
