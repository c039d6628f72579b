"""What a message is before it is a question: small talk, a question about the assistant, a
request for a summary, or a question for the sources.

Recognised by general patterns of English conversation, never by the words of a document: a
message is small talk only when every word of it is a greeting, thanks, goodbye or filler
("hi there!", "ok, thanks a lot"), and a meta or summary request only when the whole message has
one of their shapes ("what can you do?", "summarize the report"). Anything else is a question,
so "How does the summary of the 2021 plan describe X?" goes to the sources. A greeting or thanks
in front of a question ("Hi, what is X?") is dropped and the question kept.
"""

import re
from dataclasses import dataclass

from assistant.types import Intent

SMALL_TALK: frozenset[Intent] = frozenset({"greeting", "thanks", "goodbye"})

_PHRASES: dict[Intent | None, tuple[str, ...]] = {
    "greeting": (
        "hi", "hello", "hey", "heya", "hiya", "howdy", "yo", "greetings", "good morning",
        "good afternoon", "good evening", "good day", "morning", "afternoon", "evening",
        "how are you", "how are you doing", "how are things", "how is it going",
        "how's it going", "what's up", "whats up", "sup", "nice to meet you",
    ),
    "thanks": (
        "thanks", "thank you", "thank u", "thanx", "thx", "ty", "tysm", "cheers", "ta",
        "many thanks", "much appreciated", "appreciate it", "appreciated", "i appreciate it",
        "that helps", "that helped", "that's helpful", "that is helpful", "that was helpful",
        "helpful", "very helpful", "got it", "understood", "makes sense", "that makes sense",
        "good to know", "kudos",
    ),
    "goodbye": (
        "bye", "goodbye", "good bye", "bye bye", "byebye", "see you", "see ya", "see you later",
        "see you soon", "later", "good night", "goodnight", "farewell", "take care",
        "that's all", "that is all", "that's it", "i'm done", "i am done", "have a good day",
        "have a nice day", "talk later", "ciao",
    ),
    None: (  # filler: allowed around small talk, never small talk alone
        "ok", "okay", "k", "great", "cool", "nice", "perfect", "awesome", "excellent",
        "wonderful", "lovely", "brilliant", "good", "fine", "alright", "all right", "sure",
        "so", "oh", "ah", "well", "again", "there", "you", "very much", "so much", "a lot",
        "a bunch", "a ton", "for that", "for this", "for the help", "for your help",
        "for helping", "for the answer", "for the answers", "for the info", "for now",
        "assistant", "bot", "everyone", "all", "folks", "guys", "yes", "yeah", "yep",
        "and", "then", "for", "now", "very", "really", "indeed", "please", "friend",
    ),
}
_PRIORITY: tuple[Intent, ...] = ("goodbye", "thanks", "greeting")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ASKING_START = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|tell|list|give|show|explain|describe|summari[sz]e|"
    r"compare|name|find|and)\b"
)

_KB = r"(?:knowledge(?: ?base)?|library|index|corpus|collection|database|store)"
_DOCS = r"(?:documents?|docs?|sources?|files?|articles?|papers?|reports?|texts?|data|pdfs?)"
_HELP = re.compile(
    r"^(?:help(?: me)?|\?+|menu|commands|usage|instructions|how to use(?: this| you)?|"
    r"how (?:does|do) (?:this|it|you) work|how (?:do|can|should) i use (?:this|you|it)|"
    r"what (?:is|are) (?:this|you)|what's this|who are you|what do you do|"
    r"what are you(?: for| able to do| capable of| good for)?|"
    r"what (?:are|is) your (?:capabilities|features|abilities|purpose|skills)|"
    r"how (?:can|could|do) you help(?: me| us)?|can you help(?: me| us)?|"
    r"what (?:can|could|do|should|may) (?:i|we) (?:ask|do|type|say|use you for)"
    r"(?: you| here)?(?: about)?(?: here)?|"
    r"what (?:can|could) you (?:do|answer|tell me|help (?:me |us )?with)(?: about)?"
    r"(?: for me| for us| here)?|"
    r"what (?:kinds?|sorts?|types?) of (?:questions|things) (?:can|could|do|should) (?:i|we|you)"
    r" (?:ask|answer)(?: you)?(?: about)?)$"
)
_DOCUMENTS = re.compile(
    rf"^(?:(?:what|which) (?:{_DOCS}|topics|subjects|information|knowledge) (?:do|can|did) you "
    r"(?:have|know|use|see|cover|hold|read|search|draw on|know about|have access to|"
    r"answer from|work with|answer questions (?:on|about)|rely on)|"
    rf"(?:what|which) {_DOCS} (?:are|were|have been) (?:there|available|loaded|indexed|"
    rf"uploaded|added|in (?:the|your|this) {_KB})|"
    rf"(?:list|show|show me|give me|tell me|name)(?: all)?(?: of)? (?:the |your |all |all the )?"
    rf"{_DOCS}(?: you have| available| you know| you use| in (?:the|your) {_KB})?|"
    rf"what(?:'s| is) in (?:the|your|this) {_KB}|what do you know(?: about)?|"
    rf"how many {_DOCS} (?:do you have|are there|do you know)|"
    rf"(?:what|which) {_DOCS} do you have (?:access to|loaded|indexed))$"
)
# How a summary is wanted, not what of: "summarize the report for me in three sentences".
_MANNER = (
    r"(?:for me|for us|please|briefly|quickly|in short|in brief|in a nutshell|"
    r"in (?:a few|one|two|three|four|five|\d+) (?:sentences|lines|paragraphs|words|points))"
)
_SUMMARY_VERB = (
    r"(?:summari[sz]e|sum up|recap|outline|digest|condense|brief me on|give me the gist of|"
    r"give me an overview of|give me a (?:short |brief |quick )?summary of|"
    r"give an overview of|give a (?:short |brief |quick )?summary of|describe|tell me about)"
)
_SUMMARY_NOUN = r"(?:summary|overview|synopsis|recap|rundown|abstract|gist|tl ?dr|digest)"
_SUMMARY = re.compile(
    r"^(?:(?:can|could|would|will) you |please |i'd like you to |i want you to )?(?:please )?"
    rf"(?:{_SUMMARY_VERB}(?: for me)?(?: (?P<t1>.+?))?|"
    r"(?:(?:give|write|show|provide|make|get)(?: me| us)? )?(?:a |an |the )?"
    rf"(?:short |brief |quick |high-level |one-paragraph )?{_SUMMARY_NOUN}"
    r"(?: (?:of|on|for|about) (?P<t2>.+?))?|"
    r"what(?:'s| is| are| was| were) (?P<t3>\S+(?: \S+){0,5}?) about|"
    r"(?:what does|what do) (?P<t4>.+?) (?:say|cover|discuss|talk about)|"
    r"(?:(?:what|which) (?:are|is|were) |list |give me |tell me )?(?:the )?"
    r"(?:main|key|important|central|major|principal|core) (?:points?|ideas?|takeaways?|themes?|"
    r"findings?|arguments?|messages?|topics?|conclusions?|highlights?|facts?)"
    r" (?:of|in|from|made in|made by) (?P<t5>.+?)|"
    r"(?:key )?(?:takeaways|highlights) (?:of|from) (?P<t6>.+?))$"
)


@dataclass(frozen=True)
class Recognised:
    """A message's intent; ``text`` is the question to answer (a leading greeting or thanks
    dropped), ``target`` the words naming what to summarise ("" for everything)."""

    intent: Intent
    text: str
    target: str = ""


def _normal(message: str) -> str:
    text = message.lower().replace("’", "'").replace("‘", "'")
    return " ".join(_WORD.findall(text))


def _cover(words: list[str]) -> tuple[bool, set[Intent]]:
    """Whether small-talk phrases and filler cover every word; which kinds they include."""
    phrases = sorted(
        ((p.split(), kind) for kind, group in _PHRASES.items() for p in group),
        key=lambda item: -len(item[0]),
    )
    kinds: set[Intent] = set()
    at = 0
    while at < len(words):
        for phrase, kind in phrases:
            if words[at : at + len(phrase)] == phrase:
                if kind is not None:
                    kinds.add(kind)
                at += len(phrase)
                break
        else:
            return False, kinds
    return True, kinds


def small_talk(message: str) -> Intent | None:
    """``greeting``, ``thanks`` or ``goodbye`` when the whole message is small talk."""
    words = _normal(message).split()
    covered, kinds = _cover(words)
    if not words or not covered or not kinds:
        return None
    return next(kind for kind in _PRIORITY if kind in kinds)


def _without_small_talk_prefix(message: str) -> str:
    """"Hi, what is X?" -> "what is X?"; the message itself when nothing leads it."""
    parts = re.split(r"(?<=[,.!;:])\s+|\s+-+\s+", message.strip(), maxsplit=1)
    if len(parts) == 2 and small_talk(parts[0]):
        return parts[1]
    words = message.strip().split(maxsplit=2)
    for n in (2, 1):
        head, rest = " ".join(words[:n]), " ".join(words[n:])
        if rest and small_talk(head) and _ASKING_START.match(_normal(rest)):
            return rest
    return message


def recognise(message: str) -> Recognised:
    """The intent of one message (already cleaned of control characters)."""
    kind = small_talk(message)
    if kind:
        return Recognised(kind, message)
    text = _without_small_talk_prefix(message)
    normal = re.sub(r"^(?:ok|okay|so|now|and|then|please)\s+", "", _normal(text))
    normal = re.sub(r"\s+(?:please|then|now|again)$", "", normal)
    if _HELP.match(normal):
        return Recognised("help", text)
    if _DOCUMENTS.match(normal):
        return Recognised("documents", text)
    summary = _SUMMARY.match(normal)
    if summary:
        target = next((t for t in summary.groups() if t), "")
        target = re.sub(rf"(?: {_MANNER})+$", "", f" {target}").strip()
        return Recognised("summary", text, target)
    return Recognised("question", text)
