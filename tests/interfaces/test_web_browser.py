"""The page in a real headless Chromium: ask, check the sources, upload, ask about the upload."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from assistant.config import Settings
from assistant.feedback import FeedbackStore
from assistant.interfaces.web import ChatPage
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from tests.interfaces.web_doubles import launched

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
UPLOAD = "# Harbour report\n\nThe Northgate harbour handled 3.2 million containers in 2024.\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def url(settings: Settings) -> Iterator[str]:
    kb = KnowledgeBase(settings)
    sync(kb)
    with launched(ChatPage.open(kb)) as served:
        yield served


@pytest.fixture
def browser_page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1440, "height": 960})
        browser.close()


def ask(page: Page, question: str) -> None:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")


def test_ask_check_sources_upload_and_ask_again(
    url: str, browser_page: Page, settings: Settings, tmp_path: Path
) -> None:
    page = browser_page
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) else elsewhere.append(r.url))
    page.goto(url)
    page.wait_for_selector("#question textarea")

    started = time.perf_counter()
    page.get_by_text("What share of China's GDP was the digital economy in 2023?").click()
    marker = page.wait_for_selector("#chat .answer a.cite", timeout=60_000)
    assert marker is not None
    print(f"\nfirst answer in the browser after {time.perf_counter() - started:.2f} s")
    assert marker.inner_text() == "[1]"
    quote = page.wait_for_selector("#sources #src-1-1 mark.quote")
    assert quote is not None
    assert "42.8 percent of GDP in 2023" in quote.inner_text()
    assert page.inner_text("#chat .answer .support-tag") == "Related passage only"
    assert page.locator("#chat .answer .claim-check").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-chat.png"))
    marker.click()
    page.wait_for_selector("#src-1-1.flash")

    page.fill("#feedback-comment textarea", "It should also give the 2015 figure.")
    page.get_by_role("button", name="Dislike").first.click()
    page.get_by_text("Thanks, your feedback was saved.").wait_for()
    [record] = FeedbackStore.in_data_dir(settings.data_dir).records("down")
    assert record.comment == "It should also give the 2015 figure." and record.interface == "web"

    document = tmp_path / "harbour-report.md"
    document.write_text(UPLOAD, encoding="utf-8")
    page.get_by_role("tab", name="Knowledge").click()
    empty = tmp_path / "empty.md"
    empty.write_text("   ", encoding="utf-8")
    page.set_input_files("#upload input[type=file]", str(empty))
    page.get_by_text("empty.md was not added: the file is empty").wait_for(timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('#upload').innerText.includes('empty.md')", timeout=10_000
    )
    assert "china-digital-trade.md" in page.inner_text("#documents")
    assert page.locator("#documents .error, #upload .error, #remove .error").count() == 0
    page.screenshot(path=str(ARTIFACTS / "web-upload-rejected.png"))
    page.set_input_files("#upload input[type=file]", str(document))
    page.wait_for_selector("#documents :text('harbour-report.md')", timeout=60_000)
    page.get_by_text("Added harbour-report.md").wait_for()
    page.screenshot(path=str(ARTIFACTS / "web-knowledge.png"))

    page.get_by_role("tab", name="Chat").click()
    ask(page, "How many containers did the Northgate harbour handle in 2024?")
    card = page.wait_for_selector(
        "#sources .source-card:has(.source-where:text('harbour-report.md'))", timeout=60_000
    )
    assert card is not None and "3.2 million containers" in card.inner_text()
    assert "3.2 million containers" in page.locator("#chat .answer").last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-chat-upload.png"), full_page=True)

    page.locator("#chat a.cite").first.click()
    page.wait_for_selector("#sources #src-1-1.flash")
    assert "42.8 percent" in page.inner_text("#sources #src-1-1 mark.quote")
    assert elsewhere == []


DEPLOY = (
    "# Deploying\n\nThe rollout usually takes about 7 minutes.\n\n"
    "Build the container image with:\n\n```bash\ndocker build -t billing:2.4.1 .\n"
    "docker push billing:2.4.1\n```\n"
)


def test_a_source_card_keeps_the_lines_of_code_and_paragraphs(
    settings: Settings, browser_page: Page
) -> None:
    (settings.knowledge_dir / "deploy.md").write_text(DEPLOY, encoding="utf-8")
    kb = KnowledgeBase(settings)
    sync(kb)
    with launched(ChatPage.open(kb)) as served:
        browser_page.goto(served)
        ask(browser_page, "How do I build the container image?")
        card = browser_page.wait_for_selector(
            "#sources .source-card:has(.source-where:text('deploy.md'))", timeout=60_000
        )
        assert card is not None
        shown = card.inner_text()
    assert "docker build -t billing:2.4.1 .\ndocker push billing:2.4.1" in shown
    assert "about 7 minutes.\n\nBuild the container image with:" in shown
