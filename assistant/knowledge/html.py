"""HTML -> blocks through BeautifulSoup: the visible text of every element, in order.

Text directly inside any block element (``<div>``, ``<section>``, ``<td>``...) is a paragraph;
inline elements (``<a>``, ``<b>``, ``<span>``) stay inside their paragraph; ``<pre>`` is a code
block; tables become row sentences with their ``<th>`` headers. Scripts, styles, navigation,
page footers, forms and hidden elements are dropped. (Main-content extractors were measured
against this walk in ``benchmarks/loaders.py``: they dropped short pages and table rows.)
"""

import re
from typing import Any

from assistant.errors import DocumentError
from assistant.knowledge.blocks import Block, Budget, Findings
from assistant.knowledge.tables import Cell, table_blocks

DROPPED = {"script", "style", "noscript", "template", "nav", "footer", "form", "iframe", "svg",
           "button", "select", "head"}
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
          "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
          "time", "u", "var", "wbr", "del", "ins", "img"}
# Class or id names of site furniture (the names readability-style extractors also drop).
_BOILERPLATE = re.compile(r"\b(nav|navbar|menu|breadcrumbs?|footer|cookies?|cookie-banner|sidebar|"
                          r"skip-link|masthead)\b")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Dropped without a note: a reader sees no text of theirs (the <title> is kept as the title).
_NO_TEXT = {"script", "style", "template", "head"}


class _Walk:
    def __init__(self, budget: Budget, findings: Findings) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.budget = budget
        self.findings = findings

    def emit(self, block: Block) -> None:
        self.flush()
        self.budget.add(block.text)
        self.blocks.append(block)

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text:
            self.budget.add(text)
            self.blocks.append(Block("paragraph", text))

    def visit(self, node: Any) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment, doctype or CDATA
                    self.buffer.append(str(child))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag: Any) -> None:
        name = tag.name
        dropped = _dropped_as(tag)
        if dropped:
            if dropped not in _NO_TEXT:
                self.findings.dropped_elements.append(dropped)
        elif name == "br":
            self.buffer.append(" ")
        elif name in INLINE:
            self.visit(tag)
        elif name in HEADINGS:
            self.emit(Block("heading", tag.get_text(" "), int(name[1])))
        elif name == "pre":
            self.emit(Block("code", tag.get_text()))
            self.findings.code_blocks += 1
        elif name == "table":
            self.flush()
            for block in table_blocks(_rows(tag), self.findings, first_row_header=False):
                self.emit(block)
        else:
            self.flush()
            self.visit(tag)
            self.flush()


def _dropped_as(tag: Any) -> str:
    """Why the element is left out, in the words the ingest summary uses ("nav", "sidebar",
    "hidden elements"), or "" when it is read."""
    if tag.name in DROPPED:
        return str(tag.name)
    if tag.name == "header" and not tag.find(["h1", "h2"]):
        return "header"
    names = " ".join([*tag.get("class", []), str(tag.get("id", ""))]).lower()
    furniture = _BOILERPLATE.search(names)
    if furniture:
        return furniture.group(1)
    if tag.get("role") == "navigation":
        return "navigation"
    style = str(tag.get("style", "")).replace(" ", "").lower()
    hidden = tag.has_attr("hidden") or tag.get("aria-hidden") == "true"
    return "hidden elements" if hidden or "display:none" in style else ""


def _rows(table: Any) -> list[list[Cell]]:
    rows = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a nested table's row: read with its own table
        cells = row.find_all(["td", "th"], recursive=False)
        rows.append([Cell(cell.get_text(" "), cell.name == "th") for cell in cells])
    return rows


def blocks_from_html(text: str, source: str, budget: Budget, findings: Findings) -> list[Block]:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(text, "html.parser")
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        walk = _Walk(budget, findings)
        walk.visit(soup)
        walk.flush()
    except RecursionError:
        raise DocumentError(f"{source}: the HTML is nested too deeply to read.") from None
    blocks = walk.blocks
    if title and blocks and blocks[0].kind == "heading" and blocks[0].text.strip() == title:
        return blocks
    return ([Block("title", title)] if title else []) + blocks
