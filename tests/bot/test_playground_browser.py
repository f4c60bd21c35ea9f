"""The playground in a real browser (headless Chromium from the system's packages, driven by Selenium): a
newcomer asks for a KPI as the manager, shares it, opens App Home, submits the check-in form, becomes a Chinese
rep, moves the clock to Friday 16:00 and answers the check-in DM that arrives. Screenshots of each view go to
playground-screenshots/ (gitignored)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.playground import Playground
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "playground-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _require_browser() -> None:
    """Chromium and its driver from the system's packages, or a visible skip (a failure in CI)."""
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip)")
    if not missing:
        return
    reason = f"Chromium browser test needs {', '.join(missing)} (Debian: apt-get install chromium chromium-driver)"
    if os.environ.get("SALESBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Playground]:
    _require_browser()
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    pg = Playground(settings, folder=tmp_path / "sandbox").start()
    yield pg
    pg.stop()


@pytest.fixture
def browser() -> Iterator[object]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def test_a_newcomer_uses_salesbot_in_the_browser_as_manager_and_as_a_chinese_rep(playground: Playground,
                                                                                 browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    SHOTS.mkdir(exist_ok=True)
    wait = WebDriverWait(driver, 120)  # type: ignore[arg-type]

    def shot(name: str) -> None:
        driver.save_screenshot(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]

    def find(css: str) -> object:
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def text_of(css: str) -> str:
        return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, css))  # type: ignore[attr-defined]

    def wait_text(css: str, needle: str) -> str:
        wait.until(lambda d: needle in text_of(css))
        return text_of(css)

    def type_in_composer(line: str) -> None:
        box = find("#composer-text")
        box.clear()  # type: ignore[attr-defined]
        box.send_keys(line, Keys.ENTER)  # type: ignore[attr-defined]

    driver.get(playground.url)  # type: ignore[attr-defined]
    wait.until(lambda d: len(Select(d.find_element(By.ID, "user-switcher")).options) == 9)
    assert "# general" in text_of("#channel-list") and "# sales" in text_of("#channel-list")
    assert "Maria Lopez · manager" in Select(driver.find_element(By.ID, "user-switcher")).first_selected_option.text

    # the manager asks for a KPI in #sales: an ephemeral answer, marked, with its button
    driver.find_element(By.CSS_SELECTOR, '[data-channel="C0SALES"]').click()
    type_in_composer("/kpi revenue this month")
    answer = wait_text(".message.ephemeral", "Revenue · Team · November 2026")
    assert "Only visible to you" in answer and "vs previous period" in answer
    assert driver.find_element(By.CSS_SELECTOR, ".message.ephemeral .bk-context").text  # context line drawn
    shot("1-kpi-ephemeral")
    driver.find_element(By.XPATH, "//button[normalize-space()='Share in channel']").click()
    shared = wait_text(".message:not(.ephemeral)", "Shared by @Maria Lopez")
    assert "Revenue · Team · November 2026" in shared

    # App Home: own numbers and the leaderboard a manager sees
    driver.find_element(By.ID, "nav-home").click()
    home = wait_text("#home", "Team leaderboard")
    assert "Your numbers" in home and "Darcel Schlecht" in home
    shot("2-app-home")

    # the check-in setup form opens as a modal and is submitted
    driver.find_element(By.ID, "nav-dm").click()
    type_in_composer("/checkin setup")
    find("#modal")
    assert driver.find_element(By.ID, "modal-title").text == "Schedule check-ins"
    Select(driver.find_element(By.ID, "in-reps")).select_by_visible_text("Priya Raman")
    Select(driver.find_element(By.ID, "in-weekday")).select_by_visible_text("Friday")
    shot("3-checkin-setup-modal")
    driver.find_element(By.ID, "modal-submit").click()
    wait.until(ec.invisibility_of_element_located((By.ID, "modal-backdrop")))
    scheduled = wait_text(".message", "Scheduled check-in")
    assert "Priya Raman (Europe/London)" in scheduled

    # becoming a Chinese rep: the page speaks to them in Chinese; Friday 16:00 brings the check-in DM
    Select(driver.find_element(By.ID, "user-switcher")).select_by_value("UDEMO02")
    driver.find_element(By.ID, "nav-home").click()
    assert "我的数据" in wait_text("#home", "我的数据")
    driver.find_element(By.ID, "nav-dm").click()
    driver.find_element(By.ID, "clock-friday").click()
    greeting = wait_text("#messages", "本周你的商机有哪些进展？")
    assert "你好 张三" in greeting and "Maria Lopez" in greeting and greeting.count("1/5") == 1
    assert "Fri 27 Nov 2026 16:00 (Asia/Shanghai)" in driver.find_element(By.ID, "clock-now").text
    type_in_composer("签下了 Rantouch 的续约")
    wait_text("#messages", "遇到了哪些困难或阻碍？")
    shot("4-checkin-dm-zh")
    assert driver.find_element(By.XPATH, "//button[normalize-space()='用表单回答']")
