"""Table rows as sentences a quote can hold: "Team — Price per month: 29 euros; Storage: 1 TB".

Each row names its first cell, then pairs every other cell with its column's header. A row
with no header row to pair with keeps its cells in order.
"""

from dataclasses import dataclass

from assistant.knowledge.blocks import Block, Findings


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool = False


def row_sentence(cells: list[str], headers: list[str] | None) -> str:
    label, *rest = cells
    if headers:
        pairs = [
            f"{header}: {value}" if header else value
            for header, value in zip(headers[1:], rest, strict=False)
            if value
        ]
    else:
        pairs = [value for value in rest if value]
    if not pairs:
        return label
    joined = "; ".join(pairs)
    return f"{label} — {joined}" if label else joined


def table_blocks(rows: list[list[Cell]], findings: Findings, first_row_header: bool) -> list[Block]:
    """Blocks for one table: a header row (all header cells, or the first row of a table whose
    format marks none) is joined to the values below it, never a sentence of its own."""
    rows = [[Cell(" ".join(c.text.split()), c.header) for c in row] for row in rows]
    rows = [row for row in rows if any(c.text for c in row)]
    if not rows:
        return []
    headers = None
    if len(rows) > 1 and (all(c.header for c in rows[0]) or first_row_header):
        headers = [c.text for c in rows[0]]
        rows = rows[1:]
    findings.tables += 1
    findings.table_rows += len(rows)
    return [Block("row", row_sentence([c.text for c in row], headers)) for row in rows]
