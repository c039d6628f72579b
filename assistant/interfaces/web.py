"""The chat page: Gradio Blocks around ``ask_stream``, the knowledge base and feedback.

The only module that imports gradio, and only inside functions: the import must follow
``GRADIO_ANALYTICS_ENABLED=False`` (see ``_gradio``), and ``assistant ask`` must not pay for it.
"""

import html
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError, ConfigurationError, InvalidQuestionError
from assistant.feedback import FeedbackStore, Rating
from assistant.interfaces import web_files, web_knowledge, web_render
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer

if TYPE_CHECKING:
    import gradio

AskStream = Callable[..., Iterator[str | Answer]]
Chat = list[dict[str, Any]]
Answers = dict[int, Answer]
Progress = Callable[[str, int, int], None]
# The conversation kept in the browser (localStorage, encrypted): the last answers, as JSON.
STORAGE_KEY = "cited-assistant-conversation"
KEPT_ANSWERS = 50
# Gradio's cache of uploads: every hour, files older than an hour go (handled ones at once).
UPLOAD_CACHE_CLEANING = (3600, 3600)
# Sessions whose state Gradio keeps (browser tabs and API calls; each REST call is a new one),
# least recently used dropped first. Each holds a copy of the page's component settings, about
# 76 KB here: at Gradio's default of 10,000 that is 760 MB a process can grow to.
SESSIONS_KEPT = 500


def _gradio() -> Any:
    """Gradio, imported with its analytics off (it otherwise calls home at launch)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio

    return gradio


# Gradio renders notices as HTML: names and messages go in as text.
def _error(message: str) -> Exception:
    error: Exception = _gradio().Error(html.escape(message, quote=False), print_exception=False)
    return error


def _warn(message: str) -> None:
    _gradio().Warning(html.escape(message, quote=False))


def _info(message: str) -> None:
    _gradio().Info(html.escape(message, quote=False))


def _default_ask_stream() -> AskStream:
    from assistant.answer.core import ask_stream

    return ask_stream


@dataclass
class ChatPage:
    """What the page's events do, as plain methods (tests call them without a browser)."""

    kb: KnowledgeBase
    feedback: FeedbackStore
    ask_stream: AskStream
    knowledge: web_knowledge.KnowledgeTab = field(init=False)

    def __post_init__(self) -> None:
        notices = web_knowledge.Notices(_error, _warn, _info)
        self.knowledge = web_knowledge.KnowledgeTab(self.kb, self.header, notices)

    @classmethod
    def open(cls, kb: KnowledgeBase, ask_stream: AskStream | None = None) -> "ChatPage":
        feedback = FeedbackStore.in_data_dir(kb.settings.data_dir)
        return cls(kb, feedback, ask_stream or _default_ask_stream())

    def respond(self, question: str, chat: Chat, answers: Answers) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; yields (chat, sources, answers, textbox)."""
        gr = _gradio()
        asked = [*chat, {"role": "user", "content": web_render.user_html(question)}]
        turn = len(asked)
        yield [*asked, _assistant(web_render.streaming_html(""))], gr.skip(), answers, ""
        text = ""
        try:
            for event in self.ask_stream(question, history=_history(answers), knowledge=self.kb):
                if isinstance(event, Answer):
                    answers = {**answers, turn: event}
                    message = _assistant(web_render.answer_html(event, turn))
                    yield [*asked, message], web_render.sources_html(event, turn), answers, ""
                else:
                    text += event
                    message = _assistant(web_render.streaming_html(text))
                    yield [*asked, message], gr.skip(), answers, ""
        except InvalidQuestionError as exc:
            _warn(str(exc))
            yield chat, gr.skip(), answers, question
        except AssistantError as exc:
            yield chat, gr.skip(), answers, question
            raise _error(str(exc)) from None

    def remember(self, answers: Answers) -> list[dict[str, Any]]:
        """The conversation as the browser keeps it: the last answers, oldest first."""
        kept = [answers[turn] for turn in sorted(answers)][-KEPT_ANSWERS:]
        return [answer.model_dump(mode="json") for answer in kept]

    def restore(self, stored: Any) -> tuple[Chat, Answers, str]:
        """(chat, answers, sources panel) rebuilt from what the browser kept; anything it
        cannot read (another version's answers, a foreign value) starts a fresh chat."""
        answers: Answers = {}
        try:
            for number, data in enumerate(stored or [], start=0):
                answers[2 * number + 1] = Answer.model_validate(data)
        except (ValueError, TypeError):
            answers = {}
        chat: Chat = []
        for turn, answer in answers.items():
            chat.append({"role": "user", "content": web_render.user_html(answer.question)})
            chat.append(_assistant(web_render.answer_html(answer, turn)))
        last = max(answers, default=None)
        panel = web_render.sources_html(answers[last], last) if last else web_render.EMPTY_SOURCES
        return chat, answers, panel

    def ask_api(self, question: str) -> dict[str, Any]:
        """Answer a question from the knowledge base; returns the Answer as JSON."""
        answer: Answer | None = None
        try:
            for event in self.ask_stream(question, knowledge=self.kb):
                if isinstance(event, Answer):
                    answer = event
        except AssistantError as exc:
            raise _error(str(exc)) from None
        if answer is None:
            raise _error("No answer was produced; try again.")
        return answer.model_dump(mode="json")

    def sources_for(self, answers: Answers, index: int) -> Any:
        """The sources panel for the answer at chat position ``index`` (a clicked message)."""
        if index not in answers:
            return _gradio().skip()
        return web_render.sources_html(answers[index], index)

    def rate(self, answers: Answers, comment: str, index: int, liked: bool | str) -> str:
        """Store a thumbs up or down with the optional comment; returns the cleared comment box."""
        if liked == "":
            return comment  # the rating was withdrawn in the page; the stored one stays
        answer = answers.get(index)
        if answer is None:
            _warn("That message is still being answered; rate it once it is finished.")
            return comment
        rating: Rating = "up" if liked is True else "down"
        note = comment.strip() if liked in (True, False) else f"{liked}: {comment.strip()}"
        try:
            self.feedback.record(answer, rating, comment=note.strip(": "), interface="web")
        except AssistantError as exc:
            raise _error(str(exc)) from None
        _info("Thanks, your feedback was saved.")
        return ""

    def knowledge_view(self) -> tuple[Any, ...]:
        return self.knowledge.view()

    def header(self) -> str:
        manifest = self.kb.manifest()
        chunks = sum(r.chunk_count for r in manifest.values())
        return web_render.header_html(len(manifest), chunks, self.mode())

    def mode(self) -> str:
        settings = self.kb.settings
        if settings.llm_enabled():
            return settings.chat_model or "OpenAI-compatible model"
        return "extractive"

    def examples(self) -> list[str]:
        bundled = [q for source in self.kb.manifest() for q in web_render.EXAMPLES.get(source, [])]
        return [*bundled, *web_render.GENERAL_EXAMPLES]

    def upload(self, files: list[str] | None, progress: Progress) -> tuple[Any, ...]:
        return self.knowledge.upload(files, progress)


def _assistant(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def _history(answers: Answers) -> list[dict[str, str]]:
    """The conversation so far as plain text turns, for follow-up questions."""
    turns: list[dict[str, str]] = []
    for _, answer in sorted(answers.items()):
        turns.append({"role": "user", "content": answer.question})
        turns.append({"role": "assistant", "content": answer.answer})
    return turns


def browser_secret(settings: Settings) -> str:
    """The key the browser's copy of the conversation is encrypted with, kept in the data dir
    so a conversation survives a restart of the page; a fresh one if it cannot be kept."""
    path = settings.data_dir / "web-conversation.key"
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(24)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
        return key
    except OSError:
        return secrets.token_urlsafe(24)


def _asset(name: str) -> str:
    return resources.files("assistant.interfaces").joinpath(name).read_text(encoding="utf-8")


def build_app(page: ChatPage) -> "gradio.Blocks":
    """The page: chat with a sources panel, a knowledge tab, and the ``/ask`` API."""
    _gradio()
    import gradio as gr

    limit = page.kb.settings.web_concurrency
    answering: dict[str, Any] = {"concurrency_limit": limit, "concurrency_id": "answers"}
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(
        title="Cited assistant", fill_width=True, delete_cache=UPLOAD_CACHE_CLEANING
    ) as app:
        header = gr.HTML(page.header(), js_on_load=None, elem_id="page-header")
        answers = gr.State({})
        stored = gr.BrowserState(
            [], storage_key=STORAGE_KEY, secret=browser_secret(page.kb.settings)
        )
        with gr.Tabs() as tabs:
            chatbot, question, comment, sources = _chat_tab(gr, page)
            with gr.Tab("Knowledge", id="knowledge"):
                knowledge = web_knowledge.build(gr, page.knowledge)

        def on_select(state: Answers, selected: gr.SelectData) -> str:
            return page.sources_for(state, _first(selected.index))

        def on_like(state: Answers, note: str, like: gr.LikeData) -> str:
            return page.rate(state, note, _first(like.index), like.liked)

        def on_example(selected: gr.SelectData) -> str:
            return str(selected.value["text"])

        chat = ([question, chatbot, answers], [chatbot, sources, answers, question])
        question.submit(page.respond, *chat, **private, **answering).then(
            page.remember, answers, stored, **private
        )
        chatbot.example_select(on_example, None, question, **private).then(
            page.respond, *chat, **private, **answering
        ).then(page.remember, answers, stored, **private)
        chatbot.select(on_select, answers, sources, **private)
        chatbot.like(on_like, [answers, comment], comment, **private)
        chatbot.clear(
            lambda: ({}, web_render.EMPTY_SOURCES, []), None, [answers, sources, stored], **private
        )
        web_knowledge.wire(gr, page.knowledge, knowledge, header, tabs)
        view = [knowledge["documents"], knowledge["remove"], knowledge["restored"], header]
        app.load(page.knowledge.view, None, view, **private)
        app.load(page.restore, stored, [chatbot, answers, sources], **private)
        gr.api(page.ask_api, api_name="ask", **answering)
    app.queue(default_concurrency_limit=limit, max_size=256)
    return app


def _chat_tab(gr: Any, page: ChatPage) -> tuple[Any, ...]:
    with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False, elem_id="chat-row"):
        with gr.Column(scale=3, min_width=320):
            chatbot = gr.Chatbot(
                elem_id="chat", show_label=False, height=620, render_markdown=False,
                feedback_options=("Like", "Dislike"), buttons=["copy"],
                examples=[{"text": q} for q in page.examples()],
                placeholder=web_render.CHAT_PLACEHOLDER,
            )
            question = gr.Textbox(
                elem_id="question", show_label=False, lines=1, max_lines=5, submit_btn="Ask",
                placeholder="Ask a question about the documents…", autofocus=True,
            )
            comment = gr.Textbox(
                elem_id="feedback-comment", show_label=False, max_lines=3,
                placeholder="Optional comment on an answer, sent when you rate it with a thumb",
            )
        with gr.Column(scale=2, min_width=300):
            sources = gr.HTML(web_render.EMPTY_SOURCES, js_on_load=None, elem_id="sources")
    return chatbot, question, comment, sources


def _first(index: Any) -> int:
    """A message's position; gradio gives a pair for some components."""
    return int(index[0] if isinstance(index, list | tuple) else index)


def launch(
    app: "gradio.Blocks", settings: Settings, host: str, port: int, *, block: bool = True
) -> str:
    """Serve the page on host:port; returns its URL (``block=False`` returns at once)."""
    gr = _gradio()
    from starlette.middleware import Middleware

    theme = gr.themes.Soft(
        primary_hue="indigo", neutral_hue="slate",
        font=["Inter", "ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    try:
        _, url, _ = app.launch(
            server_name=host, server_port=port, prevent_thread_lock=not block, quiet=not block,
            show_error=False, footer_links=["api"], max_file_size=settings.max_file_bytes,
            theme=theme, css=_asset("web.css"), head=f"<script>{_asset('web.js')}</script>",
            app_kwargs={"middleware": [Middleware(web_files.SameOriginWrites)]},
            state_session_capacity=SESSIONS_KEPT,
        )
    except OSError:
        raise ConfigurationError(
            f"Cannot serve the page on {host}:{port}: the port is taken or the address is not "
            "this machine's. Choose another --port or --host."
        ) from None
    return str(url)


def serve(kb: KnowledgeBase, host: str, port: int) -> None:
    """Build the page for this knowledge base and serve it until interrupted."""
    launch(build_app(ChatPage.open(kb)), kb.settings, host, port, block=True)
