"""Every setting's default is written once, in newscrawl/settings.py.

The package is read as source: a ``settings.get*("NAME", default)`` call with a default of
its own, or a read of a ``NEWSCRAWL_*`` name that settings.py does not define, is a second
source of truth (the two drift: the component's default is what a test's bare crawler gets,
settings.py's what a crawl gets).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import newscrawl.settings as project_settings
from newscrawl.core.config import default, get_int
from newscrawl.core.numeric_settings import NUMERIC_SETTINGS

PACKAGE = Path(__file__).resolve().parents[1] / "newscrawl"
GETTERS = {"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getdictorlist", "getwithbase"}
CONFIG_GETTERS = {"get_int", "get_float", "get_bool", "get_str", "default", "enabled_by", "setting", "read"}
NAME = re.compile(r"[A-Z][A-Z0-9_]+\Z")


def _reads():
    """(file:line, setting name, has its own default) of every settings read in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if called in GETTERS and node.args and isinstance(node.args[0], ast.Constant):
                name = node.args[0].value
                if isinstance(name, str) and NAME.match(name):
                    yield where, name, len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
            elif called in CONFIG_GETTERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and NAME.match(arg.value):
                        yield where, arg.value, False


def test_no_component_writes_a_default_of_a_project_setting():
    ours = {name for name in vars(project_settings) if NAME.match(name)}
    doubled = [f"{where} {name}" for where, name, own in _reads()
               if own and (name in ours or name.startswith("NEWSCRAWL_"))]
    assert doubled == [], "defaults written outside settings.py (read them with newscrawl.core.config):\n" + \
        "\n".join(doubled)


def test_every_newscrawl_setting_read_is_declared_in_settings_py():
    missing = sorted({f"{name} ({where})" for where, name, _ in _reads()
                      if name.startswith("NEWSCRAWL_") and not hasattr(project_settings, name)})
    assert missing == []


def test_the_numeric_settings_checked_are_the_ones_settings_py_declares():
    assert sorted(n for n in NUMERIC_SETTINGS if not hasattr(project_settings, n)) == []


def test_a_bare_crawler_reads_settings_py_values():
    from scrapy.settings import Settings

    assert get_int(Settings(), "NEWSCRAWL_SITEMAP_BATCH") == project_settings.NEWSCRAWL_SITEMAP_BATCH
    assert get_int(Settings({"NEWSCRAWL_SITEMAP_BATCH": "7"}), "NEWSCRAWL_SITEMAP_BATCH") == 7
    assert default("NEWSCRAWL_WARC") == project_settings.NEWSCRAWL_WARC


def test_a_components_config_reads_each_field_from_its_setting_typed_as_settings_py():
    from scrapy.settings import Settings

    from newscrawl.core.spider import PlanConfig

    bare = PlanConfig.from_settings(Settings())
    assert (bare.per_listing, bare.ticker, bare.incremental) == (
        project_settings.NEWSCRAWL_PER_LISTING, project_settings.NEWSCRAWL_TICKER, project_settings.NEWSCRAWL_INCREMENTAL)
    given = PlanConfig.from_settings(Settings({"NEWSCRAWL_PER_LISTING": "7", "NEWSCRAWL_TICKER": "False"}))
    assert (given.per_listing, given.ticker) == (7, False)
