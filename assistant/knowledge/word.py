"""DOCX -> blocks, streaming ``word/document.xml`` with lxml's ``iterparse``.

python-docx reads the whole part into one tree (a 190 MB part of tiny paragraphs took 10 min
and 2.9 GB); here each body paragraph and table is read, counted against the document's budget
and freed before the next, so a part that expands into hours of work is refused early. Headings
are paragraphs whose style is Title or Heading n; tables become row sentences.
"""

import io
import zipfile
from typing import IO, Any

from assistant.errors import DocumentError
from assistant.knowledge.blocks import Block, Budget, Findings
from assistant.knowledge.tables import Cell, table_blocks

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A DOCX is a zip: its parts may expand far beyond the file's size (a "zip bomb").
MAX_DOCX_EXPANDED_BYTES = 200_000_000
MAX_STYLES_BYTES = 5_000_000


def _style_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Style id -> style name ("Heading1" -> "heading 1")."""
    from lxml import etree

    try:
        info = archive.getinfo("word/styles.xml")
    except KeyError:
        return {}
    if info.file_size > MAX_STYLES_BYTES:
        return {}
    root = etree.fromstring(archive.read(info), etree.XMLParser(resolve_entities=False))
    names = {}
    for style in root.iter(f"{W}style"):
        name = style.find(f"{W}name")
        if name is not None:
            names[str(style.get(f"{W}styleId"))] = str(name.get(f"{W}val", ""))
    return names


def _text(element: Any) -> str:
    parts = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        parts.append((node.text or "") if node.tag == f"{W}t" else " ")
    return "".join(parts)


def _paragraph(element: Any, styles: dict[str, str]) -> Block:
    style = element.find(f"{W}pPr/{W}pStyle")
    name = styles.get(str(style.get(f"{W}val")), "") if style is not None else ""
    name = name.lower()
    if name == "title":
        return Block("heading", _text(element), 1)
    if name.startswith("heading"):
        level = name.split()[-1]
        return Block("heading", _text(element), int(level) if level.isdigit() else 1)
    return Block("paragraph", _text(element))


def _table(element: Any, findings: Findings) -> list[Block]:
    rows = []
    for row in element.iter(f"{W}tr"):
        rows.append([Cell(_text(cell)) for cell in row.iterfind(f"{W}tc")])
    return table_blocks(rows, findings, first_row_header=True)


def _body_blocks(part: IO[bytes], styles: dict[str, str], budget: Budget,
                 findings: Findings) -> list[Block]:
    from lxml import etree

    blocks: list[Block] = []
    events = etree.iterparse(
        part, events=("end",), tag=(f"{W}p", f"{W}tbl"), resolve_entities=False, huge_tree=False
    )
    for _, element in events:
        parent = element.getparent()
        if parent is None or parent.tag not in (f"{W}body", f"{W}sdtContent"):
            continue  # a paragraph inside a table (read with its table) or a text box
        found = _table(element, findings) if element.tag == f"{W}tbl" else [
            _paragraph(element, styles)
        ]
        for block in found:
            budget.add(block.text)
        blocks.extend(found)
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
    return blocks


def blocks_from_docx(data: bytes, source: str, budget: Budget, findings: Findings) -> list[Block]:
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            if expanded > MAX_DOCX_EXPANDED_BYTES:
                raise DocumentError(
                    f"{source}: the DOCX expands to {expanded:,} bytes, over the limit of "
                    f"{MAX_DOCX_EXPANDED_BYTES:,}."
                )
            styles = _style_names(archive)
            with archive.open("word/document.xml") as part:
                return _body_blocks(part, styles, budget, findings)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, etree.XMLSyntaxError,
            zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise DocumentError(f"{source}: not a readable DOCX file ({exc}).") from exc
