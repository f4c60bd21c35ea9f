"""A Taiwanese manager and rep (Slack locale zh-TW) use salesbot in Traditional script end to end, over signed HTTP
against the fake Slack, on SQLite and PostgreSQL: commands typed in Traditional characters are understood
(reports.i18n.simplified, only where command words are parsed) and every reply reads in Traditional Chinese."""

import json
from datetime import timedelta

from sqlmodel import Session, select

from db.models import CheckinAnswer, CheckinRun, Deal
from tests.handlers.test_checkin import SHANGHAI_16, dms
from tests.handlers.test_kpi import seed
from tests.slack_driver import SlackDriver, ack_text, message_text


def taiwanese(slack: SlackDriver) -> None:
    """The manager (UMANAGER) and a rep in Taipei with a zh-TW Slack; their first contact reads their profiles."""
    seed(slack)
    slack.fake.add_user("UMANAGER", "陳美玲", locale="zh-TW", tz="Asia/Taipei")
    slack.fake.add_user("UTWREP", "林志明", locale="zh-TW", tz="Asia/Taipei")
    for user in ("UMANAGER", "UTWREP"):
        slack.command("/salesbot", "help", user=user)
    slack.wait_idle()


def test_kpi_typed_in_traditional_is_understood_and_answered_in_traditional(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/kpi", "上個月 銷售額", user="UMANAGER")
    text = slack.last_response_text()
    assert "銷售額 · 團隊 · 2026年10月" in text and "US$7,000.00" in text  # October, as /kpi 上个月 销售额
    assert "分享到頻道" in text and "销售额" not in text
    slack.command("/kpi", "本季度 贏單率 按產品", user="UMANAGER")  # Traditional metric, period and breakdown
    text = slack.last_response_text()
    assert "贏單率" in text and "GTX Pro" in text and "我沒看懂" not in text
    slack.command("/kpi", "上個月 銷售額 跳舞", user="UMANAGER")  # a word it does not know: said in Traditional
    assert "跳舞" in slack.last_response_text()


def test_kpi_titles_name_the_period_in_traditional_words(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/kpi", "本週至今 銷售額", user="UMANAGER")  # the label's words come from the zh_Hant catalog
    text = slack.last_response_text()
    assert "本週至今" in text and "本周至今" not in text
    slack.command("/kpi", "最近三個月 銷售額", user="UMANAGER")
    text = slack.last_response_text()
    assert "*銷售額 · 團隊 · 最近3個月（8月27日–11月26日）*" in text
    assert "`/target set 銷售額 100000 最近三個月`" in text  # the period as they typed it


def test_what_was_not_understood_is_echoed_as_typed_in_traditional(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/kpi", "銷售額 上個禮拜八", user="UMANAGER")  # no eighth weekday: the period is not understood
    text = slack.last_response_text()
    assert "*銷售額*" in text and "上個禮拜八" in text and "上个" not in text and "销售额" not in text
    slack.command("/target", "設定 銷售額 100000 下個禮拜八", user="UMANAGER")
    text = slack.last_response_text()
    assert "下個禮拜八" in text and "下个" not in text
    slack.command("/feedback", "彙總 上個禮拜八", user="UMANAGER")
    assert "上個禮拜八" in slack.last_response_text() and "上个" not in slack.last_response_text()
    slack.command("/checkin", "schedule <@UTWREP> 每週 週五 16:00 跳舞廳", user="UMANAGER")
    text = slack.last_response_text()
    assert "跳舞廳" in text and "跳舞厅" not in text and "*每週*" in text  # the cadence understood, in Chinese
    slack.command("/digest", "訂閱 #銷售 每週一 9:00 跳舞廳", user="UMANAGER")
    text = slack.last_response_text()
    assert "*每週一*" in text and "跳舞廳" in text and "跳舞厅" not in text


def test_checkin_set_up_in_traditional_and_answered_by_a_taiwanese_rep(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/checkin", "設定", user="UMANAGER")  # Taiwan's word for set up (设置 on the mainland)
    form = json.dumps(slack.fake.calls_to("views.open")[-1].args["view"], ensure_ascii=False)
    assert "安排進展匯報" in form and "週五" in form and "本週你的商機有哪些進展？" in form

    slack.command("/checkin", "schedule <@UTWREP> 每週 週五 16:00", user="UMANAGER")  # cadence words in Traditional
    assert "已安排進展匯報" in slack.last_response_text()
    assert slack.tick(SHANGHAI_16 + timedelta(minutes=5)).sent == 1  # Taipei's 16:05 is Shanghai's
    assert "1/5 — 本週你的商機有哪些進展？" in dms(slack, "UTWREP")[0]
    for answer in ("和台積電的續約談成了", "沒有", "跳過", "需要售前支援", "四"):
        slack.dm(answer, user="UTWREP")
    assert dms(slack, "UTWREP")[-1].startswith("謝謝！陳美玲")
    with Session(slack.deps.engine) as session:
        run = session.exec(select(CheckinRun)).one()
        stored = list(session.exec(select(CheckinAnswer).where(CheckinAnswer.run_id == run.id)
                                   .order_by(CheckinAnswer.question_index)))
    assert run.status == "completed"
    # answers are stored as typed (never converted); 跳過 skips; 四 is the confidence 4
    assert [a.text for a in stored][:2] == ["和台積電的續約談成了", "沒有"] and stored[2].skipped
    slack.tick(SHANGHAI_16 + timedelta(minutes=10))  # the manager gets the completed check-in on the next tick
    copy = dms(slack, "UMANAGER")[-1]
    assert "*林志明 · 每週進展匯報 · " in copy and " 週五*" in copy and "信心 4/5" in copy
    assert "進展: 和台積電的續約談成了" in copy and "策略調整: _跳過_" in copy and "需要的支援: 需要售前支援" in copy


def test_other_commands_in_traditional_keep_names_as_typed(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/market", "競爭對手 新增 華為", user="UMANAGER")  # verb words converted, the name kept as typed
    assert "已將 *華為* 加入競爭對手" in slack.last_response_text()
    slack.command("/market", "競爭對手", user="UMANAGER")
    assert "華為" in slack.last_response_text() and "华为" not in slack.last_response_text()
    slack.command("/feedback", "彙總 上個月", user="UMANAGER")
    assert "客戶回饋 · 2026年10月" in slack.last_response_text()
    rates = ack_text(slack.command("/salesbot", "匯率", user="UMANAGER"))  # answered in the ack
    assert rates.startswith("還沒有折算為 USD 的匯率。新增：`/salesbot 匯率 CNY 0.1385 從 2026-01-01`")
    slack.command("/followup", "開啟", user="UMANAGER")
    assert "跟進提醒已*開啟*" in slack.last_response_text()
    slack.command("/target", "設定 銷售額 100000 本季度", user="UMANAGER")  # Taiwan's 設定 for set
    assert "目標已設定：*銷售額* · 團隊 · " in slack.last_response_text()
    slack.command("/salesbot", "角色 <@UTWREP> 經理", user="UMANAGER")  # role, manager in Traditional
    assert "<@UTWREP> 現在是*經理*" in slack.last_response_text()  # the role in Chinese too


def test_review_and_ask_verbs_in_traditional(slack: SlackDriver) -> None:
    taiwanese(slack)
    slack.command("/review", "安排 每季", user="UMANAGER")  # quarterly review on, answered in Traditional
    on = slack.last_response_text()
    slack.command("/review", "安排 每季 關閉", user="UMANAGER")  # 關閉 (off) read through simplified()
    off = slack.last_response_text()
    slack.command("/review", "行動列表", user="UMANAGER")  # the actions list, Traditional verb
    actions = slack.last_response_text()
    slack.command("/ask", "進展匯報 關閉", user="UMANAGER")
    ask_off = slack.last_response_text()
    assert on.startswith("季度回顧已開啟") and "私訊" in on and "天後結束" in on and "2026年第四季度" in on
    assert off == "季度回顧已關閉。已開始的輪次仍會結束並傳送回顧。"
    assert actions.startswith("還沒有行動項")
    assert ask_off.startswith("沒有設定接收進展匯報支援需求的團隊頻道")  # Traditional, Taiwan's words


def test_a_traditional_header_export_dropped_in_slack_is_imported(slack: SlackDriver) -> None:
    taiwanese(slack)
    export = ("商機編號,商機名稱,客戶名稱,負責人,銷售階段,商機金額,結單日期,輸單原因,競爭對手,行業\n"
              "TW1,智慧門市,台北遠景,林志明,輸單,120000,2026-09-01,價格太高,華為,零售\n"
              "TW2,雲端續約,台積電,林志明,贏單,80000,2026-09-02,,,製造\n").encode()
    info = slack.fake.add_file(export, "商機.csv", user="UMANAGER", filetype="csv")
    slack.dm("", user="UMANAGER", files=[info])
    reply = message_text(slack.fake.calls_to("chat.postMessage")[-1].args)
    assert "*已匯入 2 條商機*" in reply and "（fxiaoke, utf-8）" in reply and "輸單 → lost (1)" in reply
    with Session(slack.deps.engine) as session:
        deals = {d.external_id: d for d in session.exec(select(Deal).where(Deal.external_id.in_(["TW1", "TW2"])))}
    assert (deals["TW1"].status, deals["TW1"].loss_reason, deals["TW1"].competitor) == ("lost", "價格太高", "華為")
    assert deals["TW2"].status == "won" and deals["TW2"].stage == "贏單"  # stored as written, never converted
