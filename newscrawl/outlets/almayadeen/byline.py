"""The byline of an Al Mayadeen article: its author names, its "Source:" value and its date.

The byline's classes are unknown on the real site, so it is found by its visible labels: the
innermost element starting with "By" (English, Arabic); in the Spanish edition, which prints
no "Por", the item list around the first "Autor:"/"Fuente:" label or view count, else around
the first visible date with a time. Names are the byline's links, else its text split at
commas and the edition's "and".
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Mapping, Optional

from parsel import Selector

from ...core.items import normalise_text
from ...core.pages import OWN_TEXT, TEXT_NODES, ancestors, dedupe, node_text, spaced_text, xpath_literal

__all__ = ["MONTH", "VISIBLE_DATE", "Byline"]

# "9 Oct 2024 09:01", "9 Oct 09:01", "18 Mayo 2022 06:33", "3 تشرين الثاني 14:05": a day,
# a month name (Levantine Arabic ones may be two words, "آب" only two letters), maybe a
# year, a time.
MONTH = r"[^\W\d_]{2,10}(?:\s[\u0600-\u06ff]{2,7})?\.?"
VISIBLE_DATE = re.compile(r"\b\d{1,2}\s+" + MONTH + r"(?:\s+\d{4})?,?\s+\d{1,2}:\d{2}\b")
# Name separators in a byline without links: commas (Latin and Arabic) and the edition's "and".
_COMMAS = re.compile(r"[,،]")
# Labels of the items of a label-less byline (Spanish): what ends a name or a labelled value.
_BYLINE_ITEMS = ("author", "source", "views", "shares")
# Byline item separators printed as text ("• Fuente: X • 18 Mayo 2022 06:33 • 216 Visualizaciones").
_SEPARATORS = re.compile(r"\s*[•·|]\s*")


def _strip_separators(text: str) -> str:
    return normalise_text(_SEPARATORS.sub(" ", text))


def _undouble(text: str) -> str:
    """"Bouthaina Shaaban Bouthaina Shaaban" -> "Bouthaina Shaaban": a name printed twice in one
    text (image alt and name). Only names of two words or more, so "Ali Ali" stays."""
    words = text.split()
    half = len(words) // 2
    if half >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return text


def _split_names(parts: Iterable[str], conjunction: str) -> list[str]:
    """Names from byline text: split at commas (Latin and Arabic) and the edition's "and"."""
    conj = f" {conjunction} "
    names = [normalise_text(p) for part in parts for chunk in _COMMAS.split(part) for p in chunk.split(conj)]
    return dedupe(n for n in names if n)


class Byline:
    """The byline of one article page, read within ``scope`` (the page's ``<article>``, else
    the whole page) by the edition's ``labels``."""

    def __init__(self, scope: Selector, labels: Mapping[str, Optional[str]]):
        self.scope = scope
        self.labels = labels

    def _printed(self, key: str) -> str:
        """A label every edition of the site prints ("source", "and")."""
        label = self.labels[key]
        if label is None:
            raise KeyError(f"the edition prints no {key!r} label")
        return label

    @functools.cached_property
    def node(self) -> Optional[Selector]:
        """The byline element: the innermost one starting with the "By" label; in an edition
        without one (Spanish), the item list around the first "Autor:"/"Fuente:" label or
        view count, else around the first visible date with a time."""
        by = self.labels.get("by")
        if by:
            lit = xpath_literal(by + " ")
            nodes = self.scope.xpath(
                f".//*[starts-with(normalize-space(.), {lit})][not(.//*[starts-with(normalize-space(.), {lit})])]"
            )
            return nodes[0] if nodes else None
        for key in ("author", "source", "views"):
            label = self.labels.get(key)
            if not label:
                continue
            nodes = self.scope.xpath(f".//text()[contains(., {xpath_literal(label)})]/..")
            if nodes:
                return self._widen_to_names(nodes[0])
        for node in self.scope.xpath(".//*[not(self::script)][text()]"):
            if VISIBLE_DATE.search(OWN_TEXT(node.root) or ""):
                return self._widen_to_names(node)
        return None

    def _widen_to_names(self, node: Selector) -> Selector:
        """From the item holding a byline label, up to the element that also holds the name
        printed before it (a list item's list, at most three levels up)."""
        for current in [node, *ancestors(node, 3)]:
            if self._name_part(current):
                return current
            if current.root.tag in ("article", "body", "main"):
                break
        return node

    def _name_part(self, node: Selector) -> list[str]:
        """The text pieces of a label-less byline before its first label, date or count:
        the author names, each printed once or twice (image alt text and name)."""
        stop = self._stop
        pieces: list[str] = []
        for raw in node.root.xpath(".//text()[not(ancestor::script)]"):
            text = normalise_text(raw)
            found = stop.search(text)
            piece = _strip_separators(text[: found.start()] if found else text)
            if piece:
                pieces.append(piece)
            if found:
                break
        return dedupe(_undouble(p) for p in pieces)

    @functools.cached_property
    def _stop(self) -> re.Pattern[str]:
        """Where the names of a label-less byline end: a label, a date or a count."""
        labels = [re.escape(label) for label in (self.labels.get(k) for k in ("author", "source")) if label]
        counts = [re.escape(label) for label in (self.labels.get(k) for k in ("views", "shares")) if label]
        parts = labels + [VISIBLE_DATE.pattern]
        if counts:
            parts.append(r"[\d.,]*\s*(?:" + "|".join(counts) + ")")
        return re.compile("|".join(parts))

    def text(self) -> str:
        """Text of the byline area: the byline element widened until it holds the date."""
        node = self.node
        if node is None:
            return ""
        for current in [node, *ancestors(node, 2)]:
            text = spaced_text(current)
            if VISIBLE_DATE.search(text):
                return text
        return spaced_text(node)

    def names(self) -> list[str]:
        """The author names the byline prints (its links, else its text), in order, once each."""
        node = self.node
        if node is None:
            return []
        by = self.labels.get("by")
        if not by:
            return self._labelled_names(node) or _split_names(self._name_part(node), self._printed("and"))
        source_label = self._printed("source")
        names = []
        for a in node.xpath(".//a"):
            preceding = normalise_text("".join(a.xpath("preceding-sibling::text()").getall()))
            if source_label in preceding:
                break
            name = node_text(a)
            if name:
                names.append(name)
        if names:
            return dedupe(names)
        text = node_text(node)[len(by):]
        text = text.split(source_label)[0]
        text = VISIBLE_DATE.split(text)[0]
        return _split_names([text], self._printed("and"))

    def _labelled_names(self, node: Selector) -> list[str]:
        """Names after an "Autor:" label in the byline, when the edition prints one."""
        label = self.labels.get("author")
        if not label:
            return []
        value = self.labelled_value(label, node)
        return _split_names([value], self._printed("and")) if value else []

    def labelled_value(self, label: str, scope: Selector) -> Optional[str]:
        """The text after a label ("Fuente: X") up to the next separator, label, date or count."""
        lit = xpath_literal(label)
        stops = [stop for stop in (self.labels.get(k) for k in _BYLINE_ITEMS) if stop and stop != label]
        # The label may follow other text in the same element ("By X Source: Y 9 Oct").
        for node in scope.xpath(f".//text()[contains(., {lit})]/.."):
            text = spaced_text(node)
            if label not in text:
                continue
            after = text.split(label, 1)[1]
            after = VISIBLE_DATE.split(after)[0]
            for stop in stops:
                after = after.split(stop, 1)[0]
            value = next((normalise_text(p) for p in _SEPARATORS.split(after) if normalise_text(p)), None)
            if value:
                return value
        return None

    def source(self) -> Optional[str]:
        """The byline's "Source:" value (looked for anywhere in the scope)."""
        return self.labelled_value(self._printed("source"), self.scope)

    def date(self) -> Optional[str]:
        """The date in the byline; without a byline (its label renamed, say), the first date
        with a time in the scope, rather than losing the article for want of a date."""
        match = VISIBLE_DATE.search(self.text())
        if match:
            return match.group(0)
        for text in TEXT_NODES(self.scope.root):
            match = VISIBLE_DATE.search(normalise_text(text))
            if match:
                return match.group(0)
        return None
