"""HTML building blocks for emails: inline CSS only, and every value escaped on the way in."""

from __future__ import annotations

import html
from typing import NewType

# HTML that this module built, with every interpolated value escaped. Only the helpers
# below make it, so a plain str (possibly holding "<script>") cannot reach page().
SafeHtml = NewType("SafeHtml", str)

# Mail clients drop <style> blocks and external sheets; only inline styles survive.
_FONT = "font-family:Arial,Helvetica,sans-serif;"
_P = f"{_FONT}color:#1f2933;font-size:16px;line-height:24px;margin:0 0 16px 0;"
_SMALL = f"{_FONT}font-size:13px;line-height:19px;color:#52606d;margin:0 0 8px 0;"
_BUTTON_CELL = "border-radius:6px;background:#0b5cad;"
_BUTTON = (
    f"{_FONT}display:inline-block;padding:14px 28px;font-size:18px;font-weight:bold;"
    "color:#ffffff;text-decoration:none;border-radius:6px;background:#0b5cad;"
)
_CODE = (
    "font-family:'Courier New',Courier,monospace;font-size:32px;font-weight:bold;"
    "letter-spacing:6px;color:#1f2933;margin:0 0 16px 0;"
)
_QUOTE = f"{_P}border-left:4px solid #cbd2d9;padding:4px 0 4px 12px;"
_CELL = f"{_FONT}font-size:16px;line-height:24px;padding:4px 12px 4px 0;vertical-align:top;"


def escape(value: object) -> str:
    """Escape a value for HTML text or a double-quoted attribute.

    Args:
        value: Anything; it is converted with str() first.

    Returns:
        The text with ``& < > " '`` replaced by entities.
    """
    return html.escape(str(value), quote=True)


def _escape_lines(text: str) -> str:
    # Keep the writer's line breaks: escape each line, then join with <br>.
    return "<br>".join(escape(line) for line in text.splitlines())


def paragraph(text: str, *, small: bool = False) -> SafeHtml:
    """Return a paragraph of escaped text, line breaks kept; small for fine print."""
    style = _SMALL if small else _P
    return SafeHtml(f'<p style="{style}">{_escape_lines(text)}</p>')


def quote(text: str) -> SafeHtml:
    """Return a block quotation of someone else's words, line breaks kept."""
    return SafeHtml(f'<p style="{_QUOTE}">{_escape_lines(text)}</p>')


def code(text: str) -> SafeHtml:
    """Return a one-time code in large monospace type."""
    return SafeHtml(f'<p style="{_CODE}">{escape(text)}</p>')


def link(url: str) -> SafeHtml:
    """Return a paragraph holding a link whose visible text is the URL itself."""
    safe = escape(url)
    return SafeHtml(f'<p style="{_SMALL}word-break:break-all;"><a href="{safe}">{safe}</a></p>')


def button(label: str, url: str) -> SafeHtml:
    """Return a large link styled as a button; a table keeps it a button in Outlook too."""
    return SafeHtml(
        '<table role="presentation" cellspacing="0" cellpadding="0" border="0" '
        'style="margin:8px 0 24px 0;"><tr>'
        f'<td style="{_BUTTON_CELL}">'
        f'<a href="{escape(url)}" style="{_BUTTON}">{escape(label)}</a>'
        "</td></tr></table>"
    )


def fields(rows: list[tuple[str, str]]) -> SafeHtml:
    """Return label/value pairs as a two-column table."""
    cells = "".join(
        f'<tr><td style="{_CELL}color:#52606d;">{escape(label)}</td>'
        f'<td style="{_CELL}color:#1f2933;">{_escape_lines(value)}</td></tr>'
        for label, value in rows
    )
    return SafeHtml(
        '<table role="presentation" cellspacing="0" cellpadding="0" border="0" '
        f'style="margin:0 0 16px 0;">{cells}</table>'
    )


def rule() -> SafeHtml:
    """Return a thin separator line."""
    return SafeHtml('<hr style="border:none;border-top:1px solid #e4e7eb;margin:24px 0 16px 0;">')


def page(*, lang: str, title: str, blocks: list[SafeHtml]) -> str:
    """Return a complete HTML document: the blocks in a centred column, white on grey.

    Args:
        lang: The language code for ``<html lang>``, so screen readers pronounce it right.
        title: The document title (usually the subject); escaped here.
        blocks: Pieces built by this module's helpers.

    Returns:
        The HTML document as text.
    """
    body = "\n".join(blocks)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f5f7fa;">\n'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" '
        'style="background:#f5f7fa;"><tr><td align="center" style="padding:24px 12px;">\n'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" '
        'style="max-width:600px;background:#ffffff;border-radius:8px;"><tr>'
        '<td style="padding:32px 28px;">\n'
        f"{body}\n"
        "</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n"
    )
