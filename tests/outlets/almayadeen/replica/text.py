"""The replica's own text normalisation: the rules of the issue 21 spec, written apart from
the crawler's ``newscrawl.core.items.normalise_text`` on purpose (a wrong rule in the
crawler must fail the tests, not be copied into the truth).

1. NFC.
2. Remove C0 controls that are not whitespace, DEL, every C1 control (U+0080-U+009F) and the
   invisible format characters listed in ``INVISIBLE``.
3. Keep U+200C / U+200D only where both neighbours (in the text after step 2) are letters or
   combining marks, or both are pictographic symbols; remove them elsewhere.
4. Collapse whitespace runs (what ``str.split`` splits on) to one space and trim.
"""

from __future__ import annotations

import hashlib
import unicodedata

INVISIBLE = frozenset(
    [0x00AD, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F, 0xFEFF]
    + list(range(0x202A, 0x202F)) + list(range(0x2060, 0x2065)) + list(range(0x2066, 0x206A))
)
JOINERS = frozenset((0x200C, 0x200D))


def _dropped(ch: str) -> bool:
    cp = ord(ch)
    if cp < 0x20 or cp == 0x7F:
        return not ch.isspace()
    return 0x80 <= cp <= 0x9F or cp in INVISIBLE


def _kind(ch: str) -> str:
    """'word' for letters and marks, 'picture' for pictographic symbols, '' otherwise."""
    if not ch:
        return ""
    cat = unicodedata.category(ch)
    if cat[0] in "LM":
        return "word"
    # Emoji: So symbols, and the skin-tone modifiers (Sk) inside emoji sequences.
    if cat == "So" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
        return "picture"
    return ""


def normalise(text: str) -> str:
    """The text as every record field must hold it (the four steps above)."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text) if not _dropped(ch))
    out = []
    for k, ch in enumerate(kept):
        if ord(ch) in JOINERS:
            before = _kind(kept[k - 1]) if k else ""
            after = _kind(kept[k + 1]) if k + 1 < len(kept) else ""
            if not before or before != after:
                continue
        out.append(ch)
    return " ".join("".join(out).split())


def keywords(raw: str) -> list[str]:
    """Tags from one comma-separated keywords string: each normalised, empty ones dropped,
    duplicates dropped after normalisation (first one kept)."""
    return list(dict.fromkeys(t for t in (normalise(part) for part in raw.split(",")) if t))


def content_hash(title: str, body: str) -> str:
    """sha256 hex of the normalised title, a newline and the normalised body paragraphs
    joined by newlines (the documented definition of ``Article.content_hash``)."""
    paragraphs = [normalise(p) for p in body.split("\n\n")]
    text = normalise(title) + "\n" + "\n".join(p for p in paragraphs if p)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_hash(record: dict) -> str:
    """sha256 hex of what tells a post's versions apart, by the documented definition of
    ``Article.version_hash``: the normalised title, summary, body (paragraphs, one a line),
    authors, tags, section and images (URL, caption, credit), in that order; list items are
    separated by U+001F (images by U+001D, an image's three parts by U+001F), fields by U+001E."""
    def text(value) -> str:
        return normalise(str(value or ""))

    body = "\n".join(p for p in (normalise(p) for p in str(record.get("body") or "").split("\n\n")) if p)
    images = "\x1d".join("\x1f".join(text(image.get(k)) for k in ("url", "caption", "credit"))
                          for image in record.get("images") or ())
    fields = [text(record.get("title")), text(record.get("summary")), body,
              "\x1f".join(text(a) for a in record.get("authors") or ()), "\x1f".join(text(t) for t in record.get("tags") or ()),
              text(record.get("section")), images]
    return hashlib.sha256("\x1e".join(fields).encode("utf-8")).hexdigest()
