"""An edition's visible labels are a typed value (``Labels``), read by name as the page classes do."""

from __future__ import annotations

import pytest

from newscrawl.core.editions import Labels
from newscrawl.outlets.almayadeen.editions import EDITIONS


def test_a_misspelt_label_fails_where_the_edition_is_written():
    with pytest.raises(TypeError):
        Labels(load_mroe="Load more")  # type: ignore[call-arg]


def test_labels_read_by_name_with_the_conjunction_as_and_and_an_outlets_own_in_extra():
    labels = Labels(by="By", load_more="Load more", conjunction="and", extra={"older": "Older stories"})
    assert (labels["by"], labels["and"], labels["older"], labels.get("source")) == ("By", "and", "Older stories", None)
    assert "conjunction" not in labels and "extra" not in labels
    with pytest.raises(KeyError):
        labels["load_mroe"]


def test_printed_labels_leave_out_the_ones_an_edition_does_not_print_and_the_conjunction():
    spanish = EDITIONS["es"].printed_labels()
    assert "by" not in spanish and "min_read" not in spanish and "and" not in spanish
    assert spanish["author"] == "Autor:" and spanish["source"] == "Fuente:"
