"""The WARC package's shape: split by concern, the old module's names still importable from the
package, the components named in settings.py where they live, and imports that go one way
(the capture never pulls in the cross-run store, the store never the re-checks)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

import newscrawl.settings as project
from newscrawl.core import warc

PACKAGE = Path(warc.__file__).parent

# Every public name the single warc.py module had: its importers (reextract, history, the crawl
# command, the test helper, the benchmarks and the tests) keep importing them from the package.
OLD_NAMES = [
    "META_KEY", "RENDERED_HEADER", "INFO_SETTINGS", "switched_on", "warc_date", "GZIP_LEVEL", "gzip_member",
    "payload_digest", "REVISIT_PROFILE", "http_head", "warc_record", "new_record_id", "output_root",
    "move_aside", "DigestMemory", "RotatingWarcFile", "Capturer", "WARC_FAILED", "cannot_write_in",
    "WarcCapture", "warcinfo", "WarcPointerMiddleware", "StoredResponse", "warc_files", "iter_records",
    "RecordHead", "scan_heads", "PayloadTooLarge", "read_payload", "stored_response", "read_warcinfo",
    "ReplayError", "replay_specs", "replay_files", "replay_problem", "ReplayMiddleware",
]


def test_the_package_still_names_what_the_module_did():
    missing = [name for name in OLD_NAMES if not hasattr(warc, name)]
    assert missing == []
    assert sorted(warc.__all__) == sorted(set(warc.__all__))
    assert [name for name in warc.__all__ if not hasattr(warc, name)] == []


@pytest.mark.parametrize("name, module", [
    ("iter_records", "records"), ("stored_response", "records"), ("warc_files", "records"),
    ("scan_heads", "scan"), ("DigestMemory", "digests"), ("WarcCapture", "capture"), ("Capturer", "capture"),
    ("WarcPointerMiddleware", "capture"), ("ReplayMiddleware", "replay"), ("replay_problem", "replay"),
])
def test_each_name_lives_in_the_module_of_its_concern(name, module):
    assert getattr(warc, name).__module__ == f"newscrawl.core.warc.{module}"


def test_each_module_stays_small():
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.glob("*.py")}
    assert {name: size for name, size in sizes.items() if size > 450} == {}


def test_settings_name_the_components_where_they_are_defined():
    paths = [path for table in (project.EXTENSIONS, project.SPIDER_MIDDLEWARES, project.DOWNLOADER_MIDDLEWARES)
             for path in table if path.startswith("newscrawl.core.warc")]
    assert len(paths) == 3
    for path in paths:
        assert load_object(path).__module__ == path.rsplit(".", 1)[0]


def _imported_by(module: str) -> set[str]:
    """The newscrawl modules a fresh interpreter has loaded after importing ``module`` alone."""
    code = (f"import json, sys; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('newscrawl.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(project.__file__).parents[1])
    return set(json.loads(out.stdout))


def test_the_imports_go_one_way():
    # recheck -> warc -> state -> recheck was a cycle, held open by an import inside a function.
    assert not {"newscrawl.core.state", "newscrawl.core.recheck"} & _imported_by("newscrawl.core.warc")
    assert "newscrawl.core.recheck" not in _imported_by("newscrawl.core.state")
    assert not {"newscrawl.core.state", "newscrawl.core.recheck"} & _imported_by("newscrawl.core.recheck_schedule")


def test_the_shared_names_are_one_object_wherever_they_are_imported_from():
    from newscrawl.core import paths, recheck, recheck_schedule, runstatus, state

    assert state.RUN_FAILED_STAT is runstatus.RUN_FAILED_STAT
    assert state.file_in_the_way is paths.file_in_the_way
    # The schedule has one home: the re-checks no longer name it (every caller imports recheck_schedule).
    assert not hasattr(recheck, "next_check") and not hasattr(recheck, "parse_intervals")
    assert state.parse_intervals is recheck_schedule.parse_intervals
    # The store's default schedule is settings.py's, not a second copy of it.
    assert recheck_schedule.DEFAULT_INTERVALS == project.NEWSCRAWL_RECHECK_INTERVALS


def test_a_bare_crawler_captures_with_the_settings_py_values():
    capture = warc.WarcCapture(get_crawler(settings_dict={}))
    assert capture.config.max_size == project.NEWSCRAWL_WARC_MAX_SIZE
    assert capture.config.directory == project.NEWSCRAWL_WARC_DIR
    with pytest.raises(Exception, match="NEWSCRAWL_WARC is off"):
        warc.WarcCapture(get_crawler(settings_dict={"NEWSCRAWL_WARC": "off"}))
    assert warc.replay_specs(Settings()) == []


def test_the_state_keeper_reads_its_settings_when_built():
    from newscrawl.core.state import StateKeeper

    keeper = StateKeeper(get_crawler(settings_dict={"NEWSCRAWL_STATE": "off",
                                                    "NEWSCRAWL_RECHECK_INTERVALS": "2h"}))
    assert (keeper.config.wanted, keeper.config.off_because, keeper.config.intervals) == \
        (False, "NEWSCRAWL_STATE=off", "2h")


def test_the_modules_import_on_their_own():
    for name in ("records", "scan", "digests", "capture", "replay"):
        assert import_module(f"newscrawl.core.warc.{name}").__name__ == f"newscrawl.core.warc.{name}"
