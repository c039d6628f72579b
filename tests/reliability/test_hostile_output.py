"""Hostile text from documents and models, shown to a reader: the terminal gets it literally
(no Rich markup, links or emoji codes, no escape sequences or control characters), Slack gets it
as rich text (no mrkdwn, mentions or links but to URLs in the cited passage), and the chat page
keeps an unbroken token inside its source card."""

import itertools
import json
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import GenericFakeChatModel
from rich.console import Console
from typer.testing import CliRunner

from assistant.answer.core import ask
from assistant.config import Settings
from assistant.interfaces.cli import app, print_answer
from assistant.interfaces.slack_blocks import answer_message
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.types import Answer
from tests.fakes import FakeOpenAIServer
from tests.reliability.cases import HOSTILE_TEXT

KINDS = list(HOSTILE_TEXT)
QUESTION = "What was the port fee raised to in 2021?"
CLEAN = "The port fee was raised to 12 percent in 2021 after a review."
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours Rich itself writes on a terminal


def sentence(text: str) -> str:
    return f"The port fee was raised to 12 percent in 2021 {text} after a review."


def document_name(kind: str) -> str:
    return f"hostile-{KINDS.index(kind)}.txt"  # plain text: the loader keeps it as written


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One document per kind, the text in its heading and its sentence, beside a clean one."""
    folder = tmp_path_factory.mktemp("hostile-knowledge")
    (folder / "clean.md").write_text(f"# Port fees\n\n{CLEAN}\n", encoding="utf-8")
    for kind, text in HOSTILE_TEXT.items():
        content = f"Port fees {text}\n\n{sentence(text)}\n"
        (folder / document_name(kind)).write_text(content, encoding="utf-8")
    settings = Settings(knowledge_dir=folder, data_dir=tmp_path_factory.mktemp("hostile-data"))
    kb = KnowledgeBase(settings)
    assert sync(kb).documents == len(KINDS) + 1
    return kb


@pytest.fixture
def cli_env(hostile_kb: KnowledgeBase) -> dict[str, str]:
    """A terminal as Rich sees one (so it would write links and colours), wide enough not to
    wrap."""
    return {
        "ASSISTANT_KNOWLEDGE_DIR": str(hostile_kb.settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(hostile_kb.settings.data_dir),
        "FORCE_COLOR": "1", "COLUMNS": "10000",
    }


def unsafe(output: str) -> list[str]:
    """What in the output a terminal would act on, beyond Rich's own colours."""
    rest = SGR.sub("", output)
    return [c for c in rest if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


def assert_shown_literally(output: str, text: str) -> None:
    assert unsafe(output) == [], output
    shown = SGR.sub("", output)
    assert "raised to 12 percent in 2021" in shown and "✅" not in shown
    if text.isprintable() and len(text) < 200:
        assert text in shown, "the text is shown as written, not as markup"


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0 and result.exception is None, result.output
    return result.output


@pytest.mark.parametrize("kind", KINDS)
def test_cli_shows_document_text_literally(cli_env: dict[str, str], kind: str) -> None:
    source = document_name(kind)
    for args in (["ask", QUESTION, "--source", source], ["search", "port fee", "--source", source]):
        assert_shown_literally(run(cli_env, *args), HOSTILE_TEXT[kind])


@pytest.fixture
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(otherwise=500) as server:
        yield server


def model_reply(kind: str) -> str:
    return f"The port fee was raised to 12 percent in 2021 {HOSTILE_TEXT[kind]} [1]."


@pytest.mark.parametrize("kind", KINDS)
def test_cli_shows_model_text_literally(
    cli_env: dict[str, str], model_server: FakeOpenAIServer, hostile_kb: KnowledgeBase, kind: str
) -> None:
    model_server.script = [model_reply(kind)]
    env = {**cli_env, "OPENAI_BASE_URL": model_server.url, "OPENAI_API_KEY": "sk-test",
           "ASSISTANT_CHAT_MODEL": "fake", "ASSISTANT_LLM_MAX_RETRIES": "0"}
    output = run(env, "ask", QUESTION, "--source", "clean.md")
    assert model_server.chat_requests, "the model wrote the streamed answer"
    assert_shown_literally(output, HOSTILE_TEXT[kind])
    raw = model_answer(hostile_kb, kind)
    text = HOSTILE_TEXT[kind]
    cited = raw.citations[0].model_copy(update={"section": text, "quote": sentence(text)})
    worst = raw.model_copy(update={"answer": model_reply(kind), "notice": text,
                                   "citations": [cited]})
    printed = StringIO()
    print_answer(worst, Console(file=printed, force_terminal=True, width=10000), False)
    assert_shown_literally(printed.getvalue(), text)


def model_answer(kb: KnowledgeBase, kind: str) -> Answer:
    model = GenericFakeChatModel(messages=itertools.repeat(model_reply(kind)))
    return ask(QUESTION, knowledge=kb, chat_model=model, sources=["clean.md"])


def mrkdwn_texts(value: Any) -> list[str]:
    """Every text Slack would read as mrkdwn: text objects and context elements of that type."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [t for v in value.values() for t in mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn_texts(v)]
    return []


def links(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["url"]] if value.get("type") == "link" else []
        return own + [u for v in value.values() for u in links(v)]
    if isinstance(value, list):
        return [u for v in value for u in links(v)]
    return []


@pytest.mark.parametrize("kind", KINDS)
def test_slack_shows_document_and_model_text_as_rich_text(
    hostile_kb: KnowledgeBase, kind: str
) -> None:
    text = HOSTILE_TEXT[kind]
    printable = "".join(c for c in text if c.isprintable())
    from_document = ask(QUESTION, knowledge=hostile_kb, sources=[document_name(kind)])
    for answer in (from_document, model_answer(hostile_kb, kind)):
        message = answer_message(answer, "a1")
        marked_up = mrkdwn_texts(message["blocks"])
        assert all(printable not in t for t in marked_up), "our own words only are mrkdwn"
        quotes = [c.quote for c in answer.citations]
        assert all(any(url in quote for quote in quotes) for url in links(message)), (
            "only a URL the cited passage holds is a link"
        )
        fallback = message["text"]
        assert "<" not in fallback and ">" not in fallback
        for escaped in [fallback, *marked_up]:
            assert re.search(r"&(?!amp;|lt;|gt;)", escaped) is None, "no escape cut in half"
        assert json.loads(json.dumps(message)) == message
    if "evil.example" in text:
        assert links(answer_message(model_answer(hostile_kb, kind), "a1")) == []


# Longer tokens are cut into stored pieces of at most 500 characters (assistant/text.py); one
# this long stays whole in its sentence and is still some 3,800 px wide unwrapped.
UNBROKEN = "x" * 450


@pytest.fixture
def page_with_a_long_token(tmp_path: Path) -> Iterator[str]:
    from assistant.interfaces.web import ChatPage
    from tests.interfaces.web_doubles import launched

    folder = tmp_path / "knowledge"
    folder.mkdir()
    content = f"# Codes\n\nThe harbour access code issued in 2024 is {UNBROKEN} for all ships.\n"
    (folder / "codes.md").write_text(content, encoding="utf-8")
    kb = KnowledgeBase(Settings(knowledge_dir=folder, data_dir=tmp_path / "data"))
    sync(kb)
    with launched(ChatPage.open(kb)) as url:
        yield url


@pytest.mark.browser
def test_an_unbroken_token_stays_inside_its_source_card(page_with_a_long_token: str) -> None:
    from tests.interfaces.test_web_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(page_with_a_long_token)
        page.fill("#question textarea", "What harbour access code was issued in 2024?")
        page.keyboard.press("Enter")
        card = page.wait_for_selector("#sources .source-card", timeout=60_000)
        assert card is not None and "xxxxxxxx" in card.inner_text()
        widths = card.evaluate(
            "c => [c.getBoundingClientRect().right, Math.max(...[...c.querySelectorAll('*')]"
            ".map(e => e.getBoundingClientRect().right)), c.scrollWidth, c.clientWidth]"
        )
        browser.close()
    card_right, content_right, scroll_width, client_width = widths
    assert content_right <= card_right + 1 and scroll_width <= client_width + 1, widths
