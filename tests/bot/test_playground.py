"""The playground's page API (what the browser page calls), without a browser: who sees what, the clock, files."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.playground import Playground
from bot.settings import load_settings


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Playground]:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    pg = Playground(settings, folder=tmp_path / "sandbox").start()
    yield pg
    pg.stop()


def post(pg: Playground, path: str, **body: object) -> dict:
    answer = requests.post(pg.url + path.lstrip("/"), json=body, timeout=120)
    return {"status": answer.status_code, **answer.json()}


def state(pg: Playground, user: str) -> dict:
    return requests.get(pg.url + "api/state", params={"user": user}, timeout=60).json()


def test_an_ephemeral_answer_is_seen_only_by_who_asked_and_a_share_by_everyone(playground: Playground) -> None:
    post(playground, "/api/send", user="UDEMOMGR", channel="C0SALES", text="/kpi revenue this month")
    (answer,) = [i for i in state(playground, "UDEMOMGR")["items"] if i["channel"] == "C0SALES"]
    assert answer["kind"] == "ephemeral" and "Share in channel" in str(answer["blocks"])
    assert [i for i in state(playground, "UDEMO02")["items"] if i["channel"] == "C0SALES"] == []
    share = next(b for b in answer["blocks"] if (b.get("accessory") or {}).get("action_id") == "kpi_share")
    post(playground, "/api/action", user="UDEMOMGR", seq=answer["seq"], block_id=share.get("block_id", ""),
         action_id="kpi_share", value=share["accessory"]["value"])
    seen_by_rep = [i for i in state(playground, "UDEMO02")["items"] if i["channel"] == "C0SALES"]
    assert [i["kind"] for i in seen_by_rep] == ["message"] and "Shared by <@UDEMOMGR>" in str(seen_by_rep[0])


def test_a_dm_is_private_and_the_clock_only_moves_forward(playground: Playground) -> None:
    post(playground, "/api/send", user="UDEMO02", channel="DDEMO02", text="/salesbot 帮助")
    mine = state(playground, "UDEMO02")
    assert mine["dm"] == "DDEMO02" and "salesbot 能做什么" in str(mine["items"])
    assert "salesbot 能做什么" not in str(state(playground, "UDEMO01")["items"])
    refused = post(playground, "/api/clock", user="UDEMO02", moment="2020-01-01T09:00", tz="Asia/Shanghai")
    assert refused["status"] == 400 and refused["error"] == "the clock only moves forward"
    moved = post(playground, "/api/clock", user="UDEMO02", weekday=4, at="16:00")
    assert moved["said"].startswith("Clock moved to 2026-11-27T08:00+00:00")
    assert state(playground, "UDEMO02")["now_label"] == "Fri 27 Nov 2026 16:00 (Asia/Shanghai)"


def test_the_page_its_script_and_the_chinese_font_are_served(playground: Playground) -> None:
    page = requests.get(playground.url, timeout=30)
    assert page.status_code == 200 and 'id="user-switcher"' in page.text
    assert requests.get(playground.url + "static/playground.js", timeout=30).status_code == 200
    assert requests.get(playground.url + "fonts/cjk.otf", timeout=30).headers["Content-Type"].startswith("font/")
    assert requests.get(playground.url + "static/../playground.py", timeout=30).status_code == 404
