"""The bot's fixed texts in Chinese (default) and English, and the command menu."""

from __future__ import annotations

from corpus.api import Lang, StoreError

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
        ("follow", "关注话题：/follow 加装电梯"),
        ("following", "我关注的话题"),
        ("privacy", "我们保存了什么"),
        ("settings", "设置：我的街道、语言、通知"),
        ("start", "开始"),
    ],
    "en": [
        ("ask", "Ask a question (in groups: /ask question)"),
        ("latest", "The newest issues"),
        ("help", "How to ask"),
        ("follow", "Follow a topic: /follow 加装电梯"),
        ("following", "Topics I follow"),
        ("privacy", "What is stored about you"),
        ("settings", "Settings: my street, language, notifications"),
        ("start", "Start"),
    ],
}

# Shown only in staff and admins' own chats (menu scopes are a hint: handlers check roles).
STAFF_COMMANDS: dict[Lang, list[tuple[str, str]]] = {
    "zh": [
        ("add", "添加一期（也可以直接发文件）"),
        ("issues", "已收录的各期"),
        ("web", "网页管理台的登录链接"),
        ("remove", "删除一期：/remove 编号"),
        ("cancel", "取消正在进行的添加"),
    ],
    "en": [
        ("add", "Add an issue (or just send the file)"),
        ("issues", "Stored issues"),
        ("web", "A sign-in link for the web console"),
        ("remove", "Remove an issue: /remove ID"),
        ("cancel", "Cancel the upload in progress"),
    ],
}
ADMIN_COMMANDS: dict[Lang, list[tuple[str, str]]] = {
    "zh": [
        ("stats", "提问统计：/stats 7d|30d|all"),
        ("unanswered", "没找到答案的问题"),
        ("top", "问得最多的问题"),
        ("export", "导出提问记录 CSV"),
    ],
    "en": [
        ("stats", "Question statistics: /stats 7d|30d|all"),
        ("unanswered", "Questions that found nothing"),
        ("top", "Most-asked questions"),
        ("export", "Export the query log as CSV"),
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
            "/latest 最近几期　/settings 我的街道、语言、通知　/privacy 隐私说明　/help 帮助\n"
            "/follow 话题 关注（新一期写到时通知您）　/following 我的关注　/unfollow 取消\n\n"
            "答案下面的按钮：更多结果、全文、分享、👍/👎 评价、🔔 关注。\n"
            "接着上一个问题问（比如“那什么时候完工”）也可以，几分钟内我会记得在说什么。\n"
            "在任何聊天里输入 @{bot} 加问题，可以把报纸原文发给别人。"
        ),
        "latest_head": "最近的社区报",
        "latest_empty": "还没有任何一期社区报。",
        "privacy": (
            "<b>我们保存什么</b>\n"
            "· 您发的问题原文、找到的段落、有没有找到答案、回答用时，以及您的 👍/👎 评价。\n"
            "· 为什么：用来改进回答，发现社区报还没写到的话题。\n"
            "· 不保存您的 Telegram 数字 ID、名字或用户名，只保存一个化名编号（用密钥算出的哈希），无法还原成您的账号。\n"
            "· 您在 /settings 里选的街道和语言，也只记在这个化名编号下。\n"
            "· 保存多久：{days} 天，过期的记录每天自动删除。\n"
            "· 谁能看：只有街道指定的管理员，他们看到的也只是化名编号。\n"
            "· 关注话题（/follow）：为了给您发通知，我们必须保存这个聊天的 ID。它和您关注的话题单独存放，"
            "不进提问记录；您取消最后一个关注时（/unfollow all）立即删除。{follow_days} 天没有动过的关注，"
            "我们会问您一次，不回复就删除。\n"
            "请不要在问题里写姓名、电话、门牌号等个人信息。"
        ),
        "non_text": "我只能读文字问题哦。请用文字输入您想问的事，比如：{example}",
        "unknown_command": "不认识这个命令。发 /help 看看能怎么用。",
        "ask_usage": "请在 /ask 后面写上问题，例如：/ask {example}",
        "rate_limited": "您问得有点快，请稍等一分钟再问。",
        "expired": "这个按钮已经过期了，请重新提问。",
        "not_yours": "这个按钮属于另一位邻居的提问。您可以自己提问。",
        "read_rest": "继续阅读 ▶",
        "no_more": "没有更多结果了。",
        "article_gone": "这篇文章已经不在库里了，请重新提问。",
        "feedback_thanks_up": "谢谢您的评价！👍",
        "feedback_thanks_down": "谢谢反馈，我们会改进。",
        "error": "抱歉，处理您的消息时出了点问题。请稍后再试。",
        # Following topics (bot/follow.py). Values are escaped.
        "follow_usage": (
            "请在 /follow 后面写上想关注的话题，例如：/follow 加装电梯\n"
            "新一期社区报写到它时，我会发消息告诉您。"
        ),
        "follow_added": "已关注「{topic}」。新一期社区报写到它时，我会发消息告诉您。（共关注 {count} 个话题，/following 查看）",
        "follow_added_group": (
            "本群已关注「{topic}」。新一期社区报写到它时，我会在群里通知。"
            "群里的关注属于整个群：每位成员都可以用 /following 查看、/unfollow 取消。"
        ),
        "follow_exists": "已经在关注「{topic}」了。/following 查看全部。",
        "follow_full": "最多只能关注 {cap} 个话题。请先在 /following 里取消一些。",
        "follow_too_long": "话题太长了（最多 {max} 个字）。请写几个关键词，比如：加装电梯。",
        "follow_no_words": "“{topic}”里没有可以查找的词（只有“什么时候”“哪里”这类词或符号）。请写具体的事，比如：加装电梯、菜场。",
        "following_empty": "还没有关注任何话题。用 /follow 话题 关注，例如：/follow 加装电梯",
        "following_head": "关注的话题（新一期社区报写到时会通知）：",
        "following_off": "通知已关闭：/notifications on 重新打开。",
        "unfollow_one": "取消「{topic}」",
        "unfollow_all_button": "全部取消",
        "unfollowed": "已取消关注「{topic}」。",
        "unfollowed_last": "已取消关注「{topic}」。现在没有任何关注了，为发通知保存的聊天 ID 也已删除。",
        "unfollow_unknown": "没有找到这个关注，可能已经取消了。/following 查看现在的关注。",
        "unfollow_not_yours": "这个按钮属于另一个聊天的关注，不能在这里取消。",
        "unfollow_usage": "/unfollow 话题 取消一个关注，/unfollow all 取消全部；也可以在 /following 里点按钮。",
        "unfollow_all_confirm": "确定要取消全部 {count} 个关注吗？",
        "unfollow_all_yes": "确定，全部取消",
        "unfollow_all_no": "不了",
        "unfollowed_all": "已取消全部 {count} 个关注，为发通知保存的聊天 ID 也已删除。",
        "unfollow_all_kept": "好的，关注都保留着。",
        "follow_button": "🔔 关注这个话题",
        "notify_head": "🔔 新一期社区报写到了您关注的「{topic}」：",
        "notify_open": "阅读全文",
        "notifications_usage": "/notifications on 打开通知，/notifications off 关闭。现在：{state}。",
        "notifications_state_on": "打开",
        "notifications_state_off": "关闭",
        "notifications_set_on": "通知已打开。新一期社区报写到您关注的话题时，我会告诉您。",
        "notifications_set_off": "通知已关闭，关注的话题都还在。/notifications on 重新打开。",
        "notifications_none": "还没有关注任何话题，没有通知可以开关。用 /follow 话题 关注。",
        "retention_ask": (
            "您关注了 {count} 个话题，但已经 {days} 天没有管理过它们。还想继续收到通知吗？"
            "点“保留”继续；{grace} 天内不回复，我们会删除这些关注和为此保存的聊天 ID。"
        ),
        "keep_button": "保留关注",
        "kept": "好的，关注都保留着。",
        # A StoreError: transient (the database is down or busy) or permanent (it refused the data).
        "db_transient": "抱歉，数据库暂时连不上，什么都没有改动。请稍后再试。",
        "db_permanent": "抱歉，数据库拒绝了这个操作，什么都没有改动。再试也不会成功，请联系管理员（服务器日志里有详情）。",
        "more": "更多结果 ▶",
        "prev": "◀ 上一页",
        "full": "全文{n}",
        # Residents: settings, links, inline mode (bot/preferences.py, bot/articles.py,
        # bot/inline.py). Values are escaped.
        "settings_head": (
            "<b>设置</b>\n"
            "📍 我的街道：{street}\n"
            "🌐 语言：{language}\n\n"
            "选了街道，回答和 /latest 会先列出这个街道的社区报；问到别的街道时，照样回答那个街道的。"
        ),
        "settings_streets": "选择您的街道：",
        "settings_langs": "选择语言：",
        "street_any": "不限",
        "lang_zh": "中文",
        "lang_en": "English",
        "lang_auto": "跟随 Telegram",
        "btn_street": "📍 我的街道",
        "btn_lang": "🌐 语言 Language",
        "btn_notify_on": "🔔 新一期通知：开（点一下关闭）",
        "btn_notify_off": "🔕 新一期通知：关（点一下打开）",
        "btn_back": "◀ 返回",
        "btn_street_any": "不限街道",
        "street_set": "已设为 {street}",
        "street_cleared": "已改为不限街道",
        "lang_set": "语言已改",
        "street_gone": "这个街道已经不在库里了，请重新选择。",
        "no_streets": "库里还没有任何一期社区报，暂时不能选街道。",
        "settings_failed": "没能保存设置，请稍后再试。",
        "share": "🔗 分享",
        "bad_link": "这个链接打不开：文章不存在或已经删除。可以直接提问，或发 /latest 看最近几期。",
        "issue_gone": "这一期已经不在库里了。发 /latest 看最近几期。",
        "latest_hint": "点下面的按钮，看这一期的全部文章：",
        "issue_articles": "{label}（点标题阅读全文）",
        "issue_no_articles": "{label}：这一期没有文章。",
        "inline_ask": "私聊邻里提问",
        "inline_none": "没有找到，换个说法或私聊提问",
        "inline_read": "阅读全文",
        "inline_slow": "问得太快了，请稍等一分钟",
        "staff_only": "抱歉，这个功能只对街道工作人员开放。",
        # /web (bot/staff.py): the link is inserted as an <a> (escaped there).
        "web_link": "网页管理台的登录链接（10 分钟内有效，只能用一次，请勿转发）：\n{link}",
        "web_off": "网页管理台没有开启：请管理员设置 WEB_PORT（见 README）。",
        # Staff: adding, correcting and removing issues (bot/staff.py). Values are escaped.
        "staff_upload_refused": "抱歉，只有街道工作人员可以上传社区报，文件没有保存。想问社区报里的事，请直接用文字提问。",
        "staff_private_only": "请在和我的私聊里使用这个命令。",
        "file_too_big": (
            "这个文件有 {size} MB，Telegram 只允许机器人下载 20 MB 以内的文件。什么都没有改动。\n"
            "请另存为 .txt 或 .docx（通常小得多）再发，或在服务器上用 <code>linli ingest 文件名</code> 导入。"
        ),
        "upload_failed": (
            "没能读取 {name}：{reason}\n什么都没有改动。请发送 .txt、.md、.docx、.pdf"
            "（UTF-8 或 GBK 编码），或整版报纸的清晰照片（.jpg、.png）；也可以在服务器上用 <code>linli ingest</code> 导入。"
        ),
        "ocr_progress": "正在识别第 {page}/{pages} 页…",
        "ocr_done": "已识别 {pages} 页。",
        "ocr_album_wait": "还在识别您刚发的照片，请稍候，识别完会发预览给您。",
        "preview_ocr": "由文字识别（OCR）读出 {pages} 页，请核对。",
        "preview_unsure": "以下 {n} 行识别得不太确定：",
        "preview_unsure_more": "……还有 {n} 行",
        "preview_unsure_hint": "如有错字，请把改好的全文用 /add 发给我（说明写同样的报名、街道和日期），会替换这一期。",
        "preview_similar_note": "文字和已收录的 #{id}（{label}）有 {percent}% 相同，应是同一期：点“确认”会用这份替换它（编号不变）。",
        "preview_similar_duplicate": "文字和已收录的 #{id}（{label}）有 {percent}% 相同，是同一期，不再重复收录。",
        "caption_failed": "说明文字有误：{reason}。什么都没有改动。请重新发送文件，说明写成例如：社区晨报 凉城 2026-11",
        "ask_street": "这一期是哪个街道的？例如：凉城新村街道\n（发 /cancel 取消）",
        "ask_publication": "这份报纸叫什么名字？发“跳过”就用「{default}」。\n（发 /cancel 取消）",
        "ask_date": "这一期是哪个月（或哪天）出版的？请写 2026-11 或 2026-11-05。\n（发 /cancel 取消）",
        "ask_date_default": "这一期是哪个月（或哪天）出版的？请写 2026-11 或 2026-11-05；发“跳过”就用 {default}。\n（发 /cancel 取消）",
        "bad_answer": "看不懂：{reason}。请再发一次，或发 /cancel 取消。",
        "add_usage": (
            "请把这一期的文字发给我（直接粘贴）。第一行可以写说明，例如：社区晨报 凉城 2026-11。\n"
            "也可以直接发送文件（.txt、.docx、.pdf）或报纸的照片。发 /cancel 取消。"
        ),
        "cancelled": "已取消，什么都没有改动。",
        "nothing_to_cancel": "现在没有进行中的操作。",
        "preview_new": "新一期预览",
        "preview_correction": "更正预览",
        "preview_duplicate": "这一期已经收录过了",
        "preview_title": "标题：{title}",
        "preview_file": "文件：{name}",
        "preview_articles": "文章 {n} 篇：",
        "preview_more_articles": "……还有 {n} 篇",
        "preview_passages": "共 {n} 段。示例：",
        "preview_duplicate_note": "内容和已收录的 #{id}（{label}）完全相同，没有新增任何内容。",
        "preview_correction_note": "已收录的 #{id}（{label}）报名、街道和日期相同但内容不同：点“确认”会用这份新文本替换它（编号不变）。",
        "preview_repeated": "有 {n} 段与已收录的 #{id} 一字不差。",
        "preview_hint": "点“确认”收录，居民马上就能问到；点“取消”放弃。",
        "btn_confirm": "确认",
        "btn_cancel": "取消",
        "done_added": "✅ 已收录 #{id}：{label}（{articles} 篇文章，{passages} 段）。居民现在就能问到。",
        "done_replaced": "✅ 已更正 #{id}：{label}（{articles} 篇文章，{passages} 段）。居民现在看到的是新文本。",
        "done_duplicate": "这一期已经收录过了（#{id}），没有改动。",
        "done_removed": "🗑 已删除 #{id}：{label}。居民问不到这一期了。",
        "remove_gone": "#{id} 已经不在库里了，没有改动。",
        "remove_usage": "用法：/remove 编号，例如 /remove 12。编号用 /issues 查看。",
        "remove_unknown": "没有编号为 #{id} 的一期。发 /issues 查看编号。",
        "remove_preview": "确定删除这一期吗？\n#{id} {label}\n{articles} 篇文章，{passages} 段。删除后居民就问不到了。",
        "pending_expired": "这个预览已经处理过或已过期，请重新发送文件或命令。",
        "store_failed": "保存时出错，什么都没有改动。请稍后再点一次。",
        "store_refused": "数据库拒绝保存这一期，什么都没有改动。再点一次也不会成功：请检查文件（例如过长的标题或街道名）后重新发送，或告诉管理员（服务器日志里有详情）。",
        "remove_failed": "删除时出错，什么都没有改动。请稍后再点一次。",
        "remove_refused": "数据库拒绝删除这一期，什么都没有改动。再点一次也不会成功，请告诉管理员（服务器日志里有详情）。",
        "issues_head": "已收录的社区报（共 {total} 期，最近的在前）",
        "issues_line": "#{id} {label}（{articles} 篇/{passages} 段）",
        "issues_more": "……还有 {n} 期，完整列表用 <code>linli issues</code>",
        "issues_empty": "还没有收录任何一期。把文件发给我就能添加。",
        "issues_usage": "用法：/issues（不用加别的）",
        "admin_only": "抱歉，这个功能只对管理员开放。",
        # Admins: the query log (bot/admin.py). Plain text: the handler escapes and bolds.
        "admin_private_only": "查询日志只在私聊里查看，不在群里公开。请私聊我发这个命令。",
        "admin_bad_input": "看不懂“{value}”。{usage}",
        "usage_stats": "用法：/stats 7d（最近7天）、/stats 30d、/stats all（全部）或 /stats 2024-05-01（从这天起）",
        "usage_unanswered": "用法：/unanswered 30d（最近30天，也可以写 7d、all 或 2024-05-01）",
        "usage_top": "用法：/top 30d（最近30天，也可以写 7d、all 或 2024-05-01）",
        "usage_export": "用法：/export [开始] [结束]，开始写 7d、30d、all 或日期，结束写日期，例如：/export 2024-05-01 2024-05-31",
        "period_days": "最近 {n} 天",
        "period_one_day": "最近 24 小时",
        "period_all": "全部记录",
        "period_since": "{day} 起",
        "period_range": "{first} 至 {last}",
        "stats_head": "查询日志统计（{period}，北京时间）",
        "stats_body": (
            "提问 {questions} 次，提问人 {users} 位\n"
            "找到答案 {found} 次（{rate}），没找到 {not_found} 次\n"
            "回答用时：中位数 {median} 毫秒，95% 在 {p95} 毫秒以内\n"
            "没能送达的回答 {undelivered} 次（Telegram 没有收下回复）\n"
            "评价：👍 {up}　👎 {down}\n"
            "最忙的时段：{hours}"
        ),
        "stats_hour": "{hour}点（{count}次）",
        "stats_empty": "{period}：没有提问记录。",
        "stats_chart": "每天的提问数：绿色为找到答案，红色为没找到。",
        "unanswered_head": "没找到答案的问题（{period}，相似的合为一组）",
        "unanswered_line": "{n}. {count}次 · {examples}",
        "unanswered_empty": "{period}：没有找不到答案的问题。",
        "top_head": "问得最多的问题（{period}）",
        "top_line": "{n}. {count}次 · {question}",
        "top_not_found": "（没找到）",
        "top_empty": "{period}：还没有人提问。",
        "export_caption": "查询日志 {count} 条（{period}），其中 {undelivered} 条回答没能送达（delivery 列为 failed）；用户只以化名编号出现。",
        "export_empty": "{period}：没有可导出的记录。",
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
            "/latest newest issues · /settings my street, language, notifications · "
            "/privacy what is stored · /help this help\n"
            "/follow topic: hear when a new issue covers it · /following · /unfollow\n\n"
            "Buttons under an answer: more results, full article, share, 👍/👎, 🔔 follow.\n"
            "Follow-up questions (“when will it finish?”) work for a few minutes after a question.\n"
            "In any chat, type @{bot} and a question to send a quote from the paper."
        ),
        "latest_head": "The newest issues",
        "latest_empty": "No issues yet.",
        "privacy": (
            "<b>What we store</b>\n"
            "· The question you send, the passages found, whether anything was found, how long "
            "it took, and your 👍/👎.\n"
            "· Why: to improve answers and to find topics the paper has not covered yet.\n"
            "· Not your Telegram id number, name or username: only a pseudonym (a keyed hash) "
            "that cannot be turned back into your account.\n"
            "· Your /settings (street, language) are kept under the same pseudonym only.\n"
            "· How long: {days} days; older entries are deleted by a daily clean-up.\n"
            "· Who sees it: only the street office's administrators, and they see the pseudonym, "
            "never who you are.\n"
            "· Following topics (/follow): to send you notifications we must keep this chat's id. "
            "It is stored apart with your topics, never in the query log, and deleted as soon as "
            "you stop following your last topic (/unfollow all). Follows untouched for "
            "{follow_days} days: we ask you once, and delete them if you don't answer.\n"
            "Please don't put your name, phone number or address in a question."
        ),
        "non_text": "I can only read text questions. Please type what you'd like to know, e.g.: {example}",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "ask_usage": "Write your question after /ask, e.g.: /ask {example}",
        "rate_limited": "You're asking a bit fast; please wait a minute and ask again.",
        "expired": "This button has expired; please ask again.",
        "not_yours": "This button belongs to someone else's question; please ask your own.",
        "read_rest": "Read on ▶",
        "no_more": "No more results.",
        "article_gone": "That article is no longer in the archive; please ask again.",
        "feedback_thanks_up": "Thanks for the feedback! 👍",
        "feedback_thanks_down": "Thanks, we'll use that to improve.",
        "error": "Sorry, something went wrong with your message. Please try again later.",
        "follow_usage": (
            "Write the topic to follow after /follow, e.g.: /follow 加装电梯\n"
            "When a new issue of the paper covers it, I'll tell you."
        ),
        "follow_added": "Following “{topic}”. When a new issue covers it, I'll send you a message. ({count} topics; see /following)",
        "follow_added_group": (
            "This group now follows “{topic}”; when a new issue covers it, I'll post it here. "
            "A group's follows belong to the whole group: any member can see them with "
            "/following and stop them with /unfollow."
        ),
        "follow_exists": "Already following “{topic}”. See /following.",
        "follow_full": "At most {cap} topics can be followed. Please stop some in /following first.",
        "follow_too_long": "That topic is too long (at most {max} characters). Please give a few key words, e.g. 加装电梯.",
        "follow_no_words": "“{topic}” has no words to look for (only words like “when” or “where”, or symbols). Please name the thing itself, e.g. 加装电梯.",
        "following_empty": "No topics followed yet. Use /follow topic, e.g.: /follow 加装电梯",
        "following_head": "Topics followed (you'll hear when a new issue covers them):",
        "following_off": "Notifications are off: /notifications on switches them back on.",
        "unfollow_one": "Stop “{topic}”",
        "unfollow_all_button": "Stop all",
        "unfollowed": "Stopped following “{topic}”.",
        "unfollowed_last": "Stopped following “{topic}”. Nothing is followed now, and the chat id kept for notifications is deleted.",
        "unfollow_unknown": "No such follow; it may have been stopped already. See /following.",
        "unfollow_not_yours": "This button belongs to another chat's follows; it cannot be stopped here.",
        "unfollow_usage": "/unfollow topic stops one, /unfollow all stops everything; or use the buttons in /following.",
        "unfollow_all_confirm": "Stop following all {count} topics?",
        "unfollow_all_yes": "Yes, stop all",
        "unfollow_all_no": "No",
        "unfollowed_all": "Stopped all {count} follows; the chat id kept for notifications is deleted.",
        "unfollow_all_kept": "OK, your follows stay.",
        "follow_button": "🔔 Follow this topic",
        "notify_head": "🔔 A new issue covers “{topic}”, which you follow:",
        "notify_open": "Read the article",
        "notifications_usage": "/notifications on switches notifications on, /notifications off off. Now: {state}.",
        "notifications_state_on": "on",
        "notifications_state_off": "off",
        "notifications_set_on": "Notifications are on: I'll tell you when a new issue covers your topics.",
        "notifications_set_off": "Notifications are off; your topics are kept. /notifications on switches them back on.",
        "notifications_none": "No topics followed, so there are no notifications to switch. Use /follow topic.",
        "retention_ask": (
            "You follow {count} topics but haven't looked at them for {days} days. Keep getting "
            "notifications? Tap “Keep”; without an answer within {grace} days, the follows and "
            "the chat id kept for them are deleted."
        ),
        "keep_button": "Keep",
        "kept": "OK, your follows stay.",
        "db_transient": "Sorry, the database cannot be reached just now; nothing was changed. Please try again later.",
        "db_permanent": "Sorry, the database refused this; nothing was changed. Trying again will not help: please tell an administrator (the server log has the details).",
        "more": "More results ▶",
        "prev": "◀ Back",
        "full": "Full article {n}",
        "settings_head": (
            "<b>Settings</b>\n"
            "📍 My street: {street}\n"
            "🌐 Language: {language}\n\n"
            "With a street chosen, answers and /latest list its newspaper first; a question "
            "naming another street still gets that street's."
        ),
        "settings_streets": "Choose your street:",
        "settings_langs": "Choose a language:",
        "street_any": "any",
        "lang_zh": "中文",
        "lang_en": "English",
        "lang_auto": "as Telegram",
        "btn_street": "📍 My street",
        "btn_lang": "🌐 语言 Language",
        "btn_notify_on": "🔔 New-issue notifications: on (tap to turn off)",
        "btn_notify_off": "🔕 New-issue notifications: off (tap to turn on)",
        "btn_back": "◀ Back",
        "btn_street_any": "Any street",
        "street_set": "Set to {street}",
        "street_cleared": "Now any street",
        "lang_set": "Language changed",
        "street_gone": "That street is no longer in the archive; please choose again.",
        "no_streets": "No issues are stored yet, so there is no street to choose.",
        "settings_failed": "The setting could not be saved; please try again later.",
        "share": "🔗 Share",
        "bad_link": "This link does not open anything: the article does not exist or was removed. Ask a question, or send /latest for the newest issues.",
        "issue_gone": "That issue is no longer in the archive. Send /latest for the newest issues.",
        "latest_hint": "Tap an issue below to see all its articles:",
        "issue_articles": "{label} (tap a title to read it)",
        "issue_no_articles": "{label}: this issue has no articles.",
        "inline_ask": "Ask Linli in a private chat",
        "inline_none": "Nothing found; try other words or ask privately",
        "inline_read": "Read the article",
        "inline_slow": "Too fast; please wait a minute",
        "staff_only": "Sorry, only street office staff can do that.",
        "web_link": "Your sign-in link for the web console (valid 10 minutes, works once; do not forward it):\n{link}",
        "web_off": "The web console is not enabled: ask the admin to set WEB_PORT (see README).",
        "staff_upload_refused": "Sorry, only street office staff can add newspaper issues; your file was not stored. To ask about the paper, just type your question.",
        "staff_private_only": "Please use this command in a private chat with me.",
        "file_too_big": (
            "This file is {size} MB; Telegram lets bots download files up to 20 MB only. Nothing was changed.\n"
            "Save it as .txt or .docx (usually much smaller) and send it again, or add it on the "
            "server with <code>linli ingest FILE</code>."
        ),
        "upload_failed": (
            "Could not read {name}: {reason}\nNothing was changed. Send .txt, .md, .docx, .pdf "
            "(UTF-8 or GBK) or a sharp photo of the whole page (.jpg, .png), or add the file on the "
            "server with <code>linli ingest</code>."
        ),
        "ocr_progress": "Reading page {page}/{pages}…",
        "ocr_done": "Read {pages} pages.",
        "ocr_album_wait": "Still reading the photos you just sent; the preview follows when done.",
        "preview_ocr": "Read from {pages} pages by OCR: please check it.",
        "preview_unsure": "{n} lines OCR was unsure of:",
        "preview_unsure_more": "… and {n} more",
        "preview_unsure_hint": "To fix a mistake, send the corrected text with /add (same paper, street and date in the caption): it replaces this issue.",
        "preview_similar_note": "Its text is {percent}% that of #{id} ({label}), so it is the same issue: Confirm replaces it (same issue number).",
        "preview_similar_duplicate": "Its text is {percent}% that of #{id} ({label}): the same issue, not stored twice.",
        "caption_failed": "The caption is not right: {reason}. Nothing was changed. Send the file again with a caption like: 社区晨报 凉城 2026-11",
        "ask_street": "Which street office publishes this issue? E.g. 凉城新村街道\n(/cancel to stop)",
        "ask_publication": "What is the paper called? Send “skip” to use “{default}”.\n(/cancel to stop)",
        "ask_date": "When was this issue published? Write 2026-11 or 2026-11-05.\n(/cancel to stop)",
        "ask_date_default": "When was this issue published? Write 2026-11 or 2026-11-05, or send “skip” for {default}.\n(/cancel to stop)",
        "bad_answer": "I can't use that: {reason}. Please send it again, or /cancel.",
        "add_usage": (
            "Send me the issue's text (paste it). The first line may describe it, e.g.: 社区晨报 凉城 2026-11.\n"
            "You can also send the file (.txt, .docx, .pdf) or a photo of the page. /cancel to stop."
        ),
        "cancelled": "Cancelled; nothing was changed.",
        "nothing_to_cancel": "There is nothing to cancel.",
        "preview_new": "Preview of a new issue",
        "preview_correction": "Preview of a correction",
        "preview_duplicate": "This issue is already stored",
        "preview_title": "Title: {title}",
        "preview_file": "File: {name}",
        "preview_articles": "{n} articles:",
        "preview_more_articles": "… and {n} more",
        "preview_passages": "{n} passages. A sample:",
        "preview_duplicate_note": "Its content is exactly that of #{id} ({label}); nothing new to add.",
        "preview_correction_note": "#{id} ({label}) has the same paper, street and date but other text: Confirm replaces it with this text (same issue number).",
        "preview_repeated": "{n} passages are word for word in #{id}.",
        "preview_hint": "Confirm to add it (residents can ask about it at once), or Cancel.",
        "btn_confirm": "Confirm",
        "btn_cancel": "Cancel",
        "done_added": "✅ Added #{id}: {label} ({articles} articles, {passages} passages). Residents can ask about it now.",
        "done_replaced": "✅ Corrected #{id}: {label} ({articles} articles, {passages} passages). Residents now get the new text.",
        "done_duplicate": "This issue was already stored (#{id}); nothing was changed.",
        "done_removed": "🗑 Removed #{id}: {label}. Residents no longer get answers from it.",
        "remove_gone": "#{id} is no longer stored; nothing was changed.",
        "remove_usage": "Usage: /remove NUMBER, e.g. /remove 12. /issues lists the numbers.",
        "remove_unknown": "There is no issue #{id}. /issues lists the numbers.",
        "remove_preview": "Remove this issue?\n#{id} {label}\n{articles} articles, {passages} passages. Residents will no longer get answers from it.",
        "pending_expired": "This preview was already handled or has expired; please send the file or command again.",
        "store_failed": "Saving failed; nothing was changed. Please press the button again in a moment.",
        "store_refused": "The database refused to store this issue; nothing was changed. Pressing again will not help: check the file (an over-long title or street name, say) and send it again, or tell an administrator (the server log has the details).",
        "remove_failed": "Removing failed; nothing was changed. Please press the button again in a moment.",
        "remove_refused": "The database refused to remove this issue; nothing was changed. Pressing again will not help: please tell an administrator (the server log has the details).",
        "issues_head": "Stored issues ({total} in all, newest first)",
        "issues_line": "#{id} {label} ({articles} articles/{passages} passages)",
        "issues_more": "… and {n} more; <code>linli issues</code> lists them all",
        "issues_empty": "No issues stored yet. Send me a file to add one.",
        "issues_usage": "Usage: /issues (nothing after it)",
        "admin_only": "Sorry, only administrators can do that.",
        "admin_private_only": "The query log is only shown in a private chat, never in a group. "
        "Please send me this command privately.",
        "admin_bad_input": "I can't read “{value}”. {usage}",
        "usage_stats": "Usage: /stats 7d (last 7 days), /stats 30d, /stats all or /stats 2024-05-01 (since that day)",
        "usage_unanswered": "Usage: /unanswered 30d (last 30 days; also 7d, all or 2024-05-01)",
        "usage_top": "Usage: /top 30d (last 30 days; also 7d, all or 2024-05-01)",
        "usage_export": "Usage: /export [from] [to]: from is 7d, 30d, all or a date, to is a date, e.g. /export 2024-05-01 2024-05-31",
        "period_days": "last {n} days",
        "period_one_day": "last 24 hours",
        "period_all": "all entries",
        "period_since": "since {day}",
        "period_range": "{first} to {last}",
        "stats_head": "Query log ({period}, Beijing time)",
        "stats_body": (
            "{questions} questions from {users} users\n"
            "Found: {found} ({rate}); nothing found: {not_found}\n"
            "Time to answer: median {median} ms, 95% within {p95} ms\n"
            "Answers not delivered: {undelivered} (Telegram did not take the reply)\n"
            "Feedback: 👍 {up}  👎 {down}\n"
            "Busiest hours: {hours}"
        ),
        "stats_hour": "{hour:02d}:00 ({count})",
        "stats_empty": "{period}: no questions.",
        "stats_chart": "Questions per day: green found an answer, red found nothing.",
        "unanswered_head": "Questions that found nothing ({period}, similar ones grouped)",
        "unanswered_line": "{n}. {count}× · {examples}",
        "unanswered_empty": "{period}: every question found an answer.",
        "top_head": "Most-asked questions ({period})",
        "top_line": "{n}. {count}× · {question}",
        "top_not_found": " (nothing found)",
        "top_empty": "{period}: no questions yet.",
        "export_caption": "{count} query log entries ({period}), {undelivered} of them answers not delivered (delivery column: failed); users appear only as pseudonyms.",
        "export_empty": "{period}: nothing to export.",
    },
}


def user_lang(language_code: str | None) -> Lang:
    """English when Telegram says the user's language is English; Chinese otherwise."""
    return "en" if (language_code or "").lower().startswith("en") else "zh"


def t(lang: Lang, key: str, **values: object) -> str:
    return TEXTS[lang][key].format(**values)


def store_error_text(error: StoreError, lang: Lang) -> str:
    """What to tell someone whose action the database failed: wait, or trying again won't help."""
    return t(lang, "db_permanent" if error.permanent else "db_transient")
