"""Render the plain-text markup of plan sections (section bodies, action descriptions) as safe HTML.

The markup, and nothing more:

- blocks are separated by blank lines;
- a line starting ``### `` is a sub-heading, one level below the heading of the section it is in;
- lines starting ``- `` form a bulleted list; two extra leading spaces per level nest a bullet under
  the one before it;
- any other lines form a paragraph, a single newline inside it becoming a line break.

Every piece of text is escaped: markup typed into a plan comes out as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

BULLET = re.compile(r"^(?P<indent> *)- (?P<text>.*)$")
HEADING_PREFIX = "### "
BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass
class _Item:
    text: str
    children: list[_Item] = field(default_factory=list)


def _render_list(items: list[_Item]) -> str:
    inner = "".join(
        f"<li>{escape(item.text)}{_render_list(item.children) if item.children else ''}</li>" for item in items
    )
    return f'<ul class="govuk-list govuk-list--bullet">{inner}</ul>'


def _bullets(lines: list[re.Match]) -> str:
    """Nest bullets by indentation: two spaces a level, never deeper than one below the bullet before."""
    roots: list[_Item] = []
    stack: list[_Item] = []  # stack[n] is the latest item at depth n
    for match in lines:
        depth = min(len(match["indent"]) // 2, len(stack))
        item = _Item(match["text"].strip())
        if depth == 0:
            roots.append(item)
        else:
            stack[depth - 1].children.append(item)
        del stack[depth:]
        stack.append(item)
    return _render_list(roots)


def _paragraph(lines: list[str]) -> str:
    return '<p class="govuk-body">' + "<br>".join(escape(line.strip()) for line in lines) + "</p>"


def _runs(lines: list[str]):
    """Yield (kind, items) for each run of sub-heading, bullet or paragraph lines of one block."""
    kind, run = None, []
    for line in lines:
        if line.startswith(HEADING_PREFIX):
            line_kind, item = "heading", line[len(HEADING_PREFIX):].strip()
        elif bullet := BULLET.match(line):
            line_kind, item = "bullet", bullet
        else:
            line_kind, item = "text", line
        if line_kind != kind or line_kind == "heading":
            if run:
                yield kind, run
            kind, run = line_kind, []
        run.append(item)
    if run:
        yield kind, run


def render_plan_text(text: str, heading_level: int = 2) -> SafeString:
    """Return the text as HTML; sub-headings are one level below ``heading_level`` (h2 -> h3)."""
    sub_level = min(max(int(heading_level), 1) + 1, 6)
    html: list[str] = []
    for block in BLANK_LINE.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        for kind, items in _runs(lines):
            if kind == "heading":
                html.append(f'<h{sub_level} class="govuk-heading-s">{escape(items[0])}</h{sub_level}>')
            elif kind == "bullet":
                html.append(_bullets(items))
            else:
                html.append(_paragraph(items))
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above is escaped


@register.filter(name="plan_text")
def plan_text(text, heading_level=2):
    """Render plan markup; the argument is the level of the heading the text sits under."""
    return render_plan_text(str(text or ""), heading_level)
