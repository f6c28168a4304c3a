"""The atomic JSON writer: a reader sees the old file or the new one, never a part."""

import json
import os

import pytest

from newscrawl.core.jsonfile import read_json_object, write_json_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "run.summary.json"
    write_json_atomic(path, {"finish_reason": "finished"})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        write_json_atomic(path, {"finish_reason": "shutdown", "loop": loop})
    assert json.loads(path.read_text()) == {"finish_reason": "finished"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.summary.json"]


def test_written_with_the_umask_mode_utf8_and_odd_values(tmp_path):
    old = os.umask(0o027)
    try:
        write_json_atomic(tmp_path / "a" / "m.json", {"title": "الميادين", "bad": "\ud800", "when": tmp_path})
    finally:
        os.umask(old)
    path = tmp_path / "a" / "m.json"
    assert path.stat().st_mode & 0o777 == 0o640
    assert "الميادين" in path.read_text(encoding="utf-8")
    # the lone surrogate is written as its JSON escape, so it reads back as itself
    assert read_json_object(path) == {"title": "الميادين", "bad": "\ud800", "when": str(tmp_path)}


@pytest.mark.parametrize("content", [None, "", "{\"a\": ", "[1]", "null"])
def test_reading_what_is_not_a_json_object_gives_none(tmp_path, content):
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    assert read_json_object(path) is None
