"""Read a report as text: plain UTF-8 text as it is, an HTML page's article body, a PDF's text layer.

Offsets of the draft point into the text this module returns, which the draft stores whole
(``nif:isString``), so whatever the input was, every quote can be checked against it. Plain text is
returned unchanged (its offsets are the file's); HTML and PDF text is tidied into one paragraph per line.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

#: Elements whose text is the site's furniture or code, never the article.
SKIPPED = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select",
           "iframe", "svg", "template", "head", "title"}
BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "td",
          "blockquote", "pre", "table", "ul", "ol"}
#: Attribute words that mark the article body on government sites (TRS_Editor, article, content …).
BODY_HINTS = re.compile(r"article|content|TRS_Editor|zoom|main|detail|text|body", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|[㈠-㈩]|\d+[.、])")


class ReadError(ValueError):
    """The file cannot be read as a report (wrong encoding, no text layer, no article)."""


class _Article(HTMLParser):
    """Collects text by block, remembering for each block the innermost hinted container it lies in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.stack: list[tuple[str, int | None]] = []  # (tag, container id or None)
        self.containers = 0
        self.lines: list[tuple[int | None, str]] = []
        self.current: list[str] = []
        self.current_container: int | None = None

    def _container(self) -> int | None:
        for _, container in reversed(self.stack):
            if container is not None:
                return container
        return None

    def _flush(self) -> None:
        line = re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", "".join(self.current)).strip()
        if line:
            self.lines.append((self.current_container, line))
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip_depth += 1
            return
        if tag in BLOCKS:
            self._flush()
        hinted = any(BODY_HINTS.search(value or "") for name, value in attrs if name in ("id", "class"))
        container = None
        if hinted or tag == "article":
            self.containers += 1
            container = self.containers
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.stack.append((tag, container))
        self.current_container = self._container()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in BLOCKS:
            self._flush()
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        self.current_container = self._container()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            if not self.current:
                self.current_container = self._container()
            self.current.append(data)


def html_article(markup: str) -> str:
    """The article body of an HTML page: the hinted container holding the most Chinese text, one
    paragraph per line; without such a container, the paragraphs with Chinese sentences in them."""
    parser = _Article()
    parser.feed(markup)
    parser.close()
    parser._flush()
    weight: dict[int | None, int] = {}
    for container, line in parser.lines:
        weight[container] = weight.get(container, 0) + len(CJK.findall(line))
    hinted = {c: w for c, w in weight.items() if c is not None}
    if hinted and max(hinted.values()) >= 20:
        best = max(hinted, key=lambda c: hinted[c])
        lines = [line for container, line in parser.lines if container == best]
    else:  # no marked body: keep lines that read as sentences (furniture is short link text)
        lines = [line for _, line in parser.lines if len(CJK.findall(line)) >= 15]
    if not lines:
        raise ReadError("no article text found in the HTML page")
    return "\n".join(lines) + "\n"


def pdf_text(path: Path) -> str:
    """The text layer of a PDF (pypdf), one paragraph per line; a scanned PDF without one is an error."""
    try:
        from pypdf import PdfReader
    except ImportError as error:  # pragma: no cover - pypdf is a dependency
        raise ReadError("reading PDF needs the pypdf package") from error
    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as error:  # pypdf raises many types on damaged files
        raise ReadError(f"{path}: not a readable PDF: {error}") from error
    return join_wrapped_lines("\n".join(pages))


def join_wrapped_lines(text: str) -> str:
    """Undo a PDF's line wrapping: a line that does not end a sentence or a heading runs on into the next."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        starts_heading = re.match(HEADING_START, line)
        if out and not starts_heading and not re.search(r"[。；;！？:：]$", out[-1]):
            out[-1] += line
        else:
            out.append(line)
    if not out:
        raise ReadError("the PDF has no text layer (a scan?): run OCR first")
    return "\n".join(out) + "\n"


def read_report(path: Path) -> str:
    """The report's text from ``path`` (.txt, .html/.htm, .pdf; others are read as UTF-8 text)."""
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_text(path)
    data = path.read_bytes()
    if suffix in (".html", ".htm", ".xhtml"):
        charset = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:2048])
        encoding = charset.group(1).decode("ascii") if charset else "utf-8"
        try:
            return html_article(data.decode(encoding))
        except (LookupError, UnicodeDecodeError) as error:
            raise ReadError(f"{path}: cannot decode as {encoding}: {error}") from error
    try:
        text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(f"{path}: not UTF-8 text ({error}); convert it first") from error
    if not CJK.search(text):
        raise ReadError(f"{path}: no Chinese text in the file")
    return text
