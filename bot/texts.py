"""The bot's fixed texts in Chinese (default) and English, and the command menu."""

from __future__ import annotations

from corpus.compose import Lang

EXAMPLE_QUESTIONS: dict[Lang, tuple[str, ...]] = {
    "zh": (
        "世纪同乐小区什么时候清理楼道堆物？",
        "凉二小区加装电梯进展怎么样了",
        "看电影的优惠票多少钱",
    ),
    "en": (
        "When was the stairwell clean-up in Shiji Tongle?",
        "How much are the discounted movie tickets?",
        "How many gas cylinders were confiscated?",
    ),
}

COMMANDS: dict[Lang, list[tuple[str, str]]] = {
    "zh": [
        ("ask", "提问（群里用 /ask 问题）"),
        ("latest", "最近几期社区报"),
        ("help", "怎么提问"),
        ("privacy", "我们保存了什么"),
        ("start", "开始"),
    ],
    "en": [
        ("ask", "Ask a question (in groups: /ask question)"),
        ("latest", "The newest issues"),
        ("help", "How to ask"),
        ("privacy", "What is stored about you"),
        ("start", "Start"),
    ],
}

TEXTS: dict[Lang, dict[str, str]] = {
    "zh": {
        "start": (
            "您好，{name}！我是<b>邻里</b>，社区报问答助手。\n"
            "问我社区报里写过的事，我会引用报纸原文回答，并注明出自哪一期、哪篇文章。\n"
            "试试下面的例子，或者直接输入问题："
        ),
        "help": (
            "<b>怎么问</b>\n"
            "直接输入问题就行，比如：\n"
            "· 世纪同乐小区什么时候清理楼道堆物？\n"
            "· 凉二小区加装电梯进展怎么样了\n"
            "· 花木街道收缴了多少个钢瓶\n"
            "写上小区、活动或单位的名字，答案会更准。也可以用繁体字或英文提问。\n\n"
            "<b>在群里</b>\n"
            "@{bot} 加问题，回复我的消息，或用 /ask 问题。\n\n"
            "<b>命令</b>\n"
            "/latest 最近几期　/privacy 隐私说明　/help 帮助\n\n"
            "答案下面的按钮：更多结果、全文、👍/👎 评价。"
        ),
        "latest_head": "最近的社区报",
        "latest_empty": "还没有任何一期社区报。",
        "privacy": (
            "<b>我们保存什么</b>\n"
            "· 您的问题、找到的段落、回答用时和您的 👍/👎 评价，用来改进回答、发现报纸没写到的话题。\n"
            "· 不保存您的 Telegram 账号、名字或用户名，只保存一个无法还原的化名编号（带密钥的哈希）。\n"
            "· 记录保存 {days} 天，之后每天自动删除。\n"
            "· 只有管理员能查看汇总。"
        ),
        "non_text": "我只能读文字问题哦。请用文字输入您想问的事，比如：{example}",
        "unknown_command": "不认识这个命令。发 /help 看看能怎么用。",
        "ask_usage": "请在 /ask 后面写上问题，例如：/ask {example}",
        "rate_limited": "您问得有点快，请稍等一分钟再问。",
        "expired": "这个按钮已经过期了，请重新提问。",
        "no_more": "没有更多结果了。",
        "article_gone": "这篇文章已经不在库里了，请重新提问。",
        "feedback_thanks_up": "谢谢您的评价！👍",
        "feedback_thanks_down": "谢谢反馈，我们会改进。",
        "error": "抱歉，处理您的消息时出了点问题。请稍后再试。",
        "more": "更多结果 ▶",
        "prev": "◀ 上一页",
        "full": "全文{n}",
        "staff_only": "抱歉，这个功能只对街道工作人员开放。",
        "admin_only": "抱歉，这个功能只对管理员开放。",
    },
    "en": {
        "start": (
            "Hello, {name}! I'm <b>Linli</b> (邻里), the community newspaper helper.\n"
            "Ask me about anything your community newspaper reported. I answer with quotes from "
            "the paper and say which issue and article they come from.\n"
            "Try an example or just type a question:"
        ),
        "help": (
            "<b>How to ask</b>\n"
            "Just type a question, for example:\n"
            "· When was the stairwell clean-up in Shiji Tongle?\n"
            "· How much are the discounted movie tickets?\n"
            "Names of compounds, events or organisations help. Chinese works too.\n\n"
            "<b>In groups</b>\n"
            "Mention @{bot} with your question, reply to one of my messages, or use /ask question.\n\n"
            "<b>Commands</b>\n"
            "/latest newest issues · /privacy what is stored · /help this help\n\n"
            "Buttons under an answer: more results, full article, 👍/👎."
        ),
        "latest_head": "The newest issues",
        "latest_empty": "No issues yet.",
        "privacy": (
            "<b>What we store</b>\n"
            "· Your question, the passages found, how long it took and your 👍/👎, to improve "
            "answers and find topics the paper has not covered.\n"
            "· Not your Telegram account, name or username: only a pseudonymous number (a keyed hash) "
            "that cannot be turned back into your account.\n"
            "· Entries are kept for {days} days, then deleted by a daily clean-up.\n"
            "· Only administrators see the summaries."
        ),
        "non_text": "I can only read text questions. Please type what you'd like to know, e.g.: {example}",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "ask_usage": "Write your question after /ask, e.g.: /ask {example}",
        "rate_limited": "You're asking a bit fast; please wait a minute and ask again.",
        "expired": "This button has expired; please ask again.",
        "no_more": "No more results.",
        "article_gone": "That article is no longer in the archive; please ask again.",
        "feedback_thanks_up": "Thanks for the feedback! 👍",
        "feedback_thanks_down": "Thanks, we'll use that to improve.",
        "error": "Sorry, something went wrong with your message. Please try again later.",
        "more": "More results ▶",
        "prev": "◀ Back",
        "full": "Full article {n}",
        "staff_only": "Sorry, only street office staff can do that.",
        "admin_only": "Sorry, only administrators can do that.",
    },
}


def user_lang(language_code: str | None) -> Lang:
    """English when Telegram says the user's language is English; Chinese otherwise."""
    return "en" if (language_code or "").lower().startswith("en") else "zh"


def t(lang: Lang, key: str, **values: object) -> str:
    return TEXTS[lang][key].format(**values)
