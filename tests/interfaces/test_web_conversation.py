"""A conversation on the page in a real headless Chromium, on a desktop and a phone screen:
greeting, a cited answer, thanks, a summary, the document list, a follow-up on a new topic,
and a reload that keeps it all. Screenshots of each step go to tests/artifacts/."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright

from assistant.config import Settings
from assistant.interfaces.web import ChatPage
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.interfaces.test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ask
from tests.interfaces.web_doubles import launched

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.conftest import KNOWLEDGE

    data = tmp_path_factory.mktemp("conversation-data")
    kb = KnowledgeBase(Settings(knowledge_dir=KNOWLEDGE, data_dir=data))
    sync(kb)
    with launched(ChatPage.open(kb)) as served:
        yield served


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_playwright() as playwright:
        launched_browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched_browser
        launched_browser.close()


def reply(page: Page, count: int) -> str:
    """Wait for the ``count``-th finished reply; return its text."""
    done = "#chat .answer:not(.answer-streaming), #chat .reply, #chat .abstention"
    page.wait_for_function(
        f"document.querySelectorAll({done!r}).length >= {count}", timeout=60_000
    )
    return str(page.locator(done).nth(count - 1).inner_text())


def panel_question(page: Page) -> str:
    return str(page.inner_text("#sources .panel-question q"))


def shot(page: Page, screen: str, step: str) -> None:
    """Screenshot the whole page with the chat scrolled to its latest message."""
    page.evaluate(
        "[...document.querySelectorAll('#chat *')].filter(e => e.scrollHeight > e.clientHeight"
        " + 4 && /auto|scroll/.test(getComputedStyle(e).overflowY))"
        ".forEach(e => { e.scrollTop = e.scrollHeight; })"
    )
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"conversation-{screen}-{step}.png"), full_page=True)


def fits(page: Page) -> None:
    """Nothing is wider than the screen (no sideways scrolling)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("screen", SCREENS)
def test_a_conversation_on_the_page(url: str, browser: object, screen: str) -> None:
    page = browser.new_page(viewport=SCREENS[screen])  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector("#question textarea")

    ask(page, "hi")
    assert "Hello!" in reply(page, 1)
    assert page.locator("#chat .reply").count() == 1 and panel_question(page) == "hi"
    fits(page)
    shot(page, screen, "1-greeting")

    ask(page, "How many overseas warehouses had been established by 2024?")
    assert "2,500" in reply(page, 2)
    assert page.locator("#chat .answer a.cite").first.inner_text() == "[1]"
    assert "2,500 overseas warehouses" in page.inner_text("#sources mark.quote")
    assert panel_question(page).startswith("How many overseas warehouses")
    assert page.locator("#chat .answer").last.locator(".support-tag").count() == 1
    assert page.locator("#chat .answer").last.locator(".stamp").is_hidden()
    shot(page, screen, "2-answer")

    ask(page, "thanks!")
    assert "welcome" in reply(page, 3)
    assert "quotes nothing from the documents" in page.inner_text("#sources")
    assert page.locator("#sources .source-card").count() == 0
    shot(page, screen, "3-thanks")

    ask(page, "summarize the article")
    summary = page.locator("#chat .answer").last
    assert reply(page, 4).startswith("Summary of")
    markers = summary.locator("a.cite")
    assert 3 <= markers.count() <= 6
    sections = page.locator("#sources .source-where").all_inner_texts()
    assert len(set(sections)) >= 2
    summary.locator("summary").click()
    checked = summary.locator(".sentence-check-ok")
    assert checked.count() == markers.count()
    assert checked.first.evaluate("e => getComputedStyle(e).opacity") == "1"
    shot(page, screen, "4-summary")

    ask(page, "what documents do you have?")
    listing = reply(page, 5)
    assert "China’s Digital Economy and Digital Trade (china-digital-trade.md)" in listing
    shot(page, screen, "5-documents")

    ask(page, "How many countries had signed e-commerce MoUs with China by July 2024?")
    assert "33 countries" in reply(page, 6)
    ask(page, "what about pilot zones?")
    follow_up = reply(page, 7)
    assert "165" in follow_up and "pilot zones" in follow_up and "33 countries" not in follow_up
    shot(page, screen, "6-follow-up")

    labels = page.locator("#chat [aria-label*=\"'s message: \"]")
    page.wait_for_function(
        "![...document.querySelectorAll('#chat [aria-label]')]"
        ".some(e => e.getAttribute('aria-label').includes('<'))"
    )
    assert labels.count() >= 14

    page.reload()
    page.wait_for_selector("#question textarea")
    assert "165" in reply(page, 7) and "Hello!" in reply(page, 1)
    assert panel_question(page) == "what about pilot zones?"
    page.locator("#chat .answer a.cite").nth(0).click()
    page.wait_for_selector("#sources .source-card.flash")
    fits(page)
    shot(page, screen, "7-reloaded")
    page.close()
