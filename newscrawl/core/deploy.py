"""Deploying the project to scrapyd: the egg built outside the checkout, then uploaded.

    python -m newscrawl.deploy [TARGET] [--url URL] [--project NAME] [--version V] [--build-egg FILE]

``scrapyd-deploy`` (scrapyd-client) builds its egg in the project directory: it writes a
``setup.py`` there when there is none, and setuptools leaves ``build/`` and
``project.egg-info/`` beside it. Here the package and ``scrapy.cfg`` are copied into a
temporary directory, the egg is built there with setuptools (``bdist_egg``), and the
directory is removed: the checkout is left as it was. The upload is scrapyd's own
``addversion.json`` (multipart: ``project``, ``version``, ``egg``), as scrapyd-deploy sends it.

The target is read from ``scrapy.cfg`` as scrapyd-deploy reads it: ``[deploy]`` is the
``default`` target, ``[deploy:NAME]`` another; each has ``url`` and ``project``.

Exit status: 0 deployed (or built, with ``--build-egg``), 1 the build or the upload failed,
2 bad arguments or an unknown target.
"""

from __future__ import annotations

import argparse
import configparser
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

from .paths import PROJECT_ROOT as ROOT

PACKAGE = "newscrawl"

SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name={project!r},
    version={version!r},
    packages=find_packages(include=[{package!r}, {package!r} + ".*"]),
    entry_points={{"scrapy": ["settings = {settings}"]}},
    zip_safe=True,
)
"""


class DeployError(Exception):
    """The egg could not be built or scrapyd refused it; the message says which."""


def targets(cfg_path: Path) -> dict[str, dict[str, str]]:
    """The deploy targets of a ``scrapy.cfg``: ``default`` for ``[deploy]``, NAME for ``[deploy:NAME]``."""
    cfg = configparser.ConfigParser()
    cfg.read(cfg_path, encoding="utf-8")
    found = {}
    for section in cfg.sections():
        if section == "deploy":
            found["default"] = dict(cfg[section])
        elif section.startswith("deploy:"):
            found[section.split(":", 1)[1]] = dict(cfg[section])
    return found


def settings_module(cfg_path: Path) -> str:
    cfg = configparser.ConfigParser()
    cfg.read(cfg_path, encoding="utf-8")
    return cfg.get("settings", "default", fallback=f"{PACKAGE}.settings")


def build_egg(root: Path, project: str, version: str, dest: Path) -> Path:
    """Build the project's egg from a copy of ``root`` in a temporary directory; return ``dest``."""
    with tempfile.TemporaryDirectory(prefix="newscrawl-egg-") as tmp:
        work = Path(tmp)
        shutil.copytree(root / PACKAGE, work / PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy(root / "scrapy.cfg", work / "scrapy.cfg")
        (work / "setup.py").write_text(SETUP_PY.format(project=project, version=version, package=PACKAGE,
                                                       settings=settings_module(root / "scrapy.cfg")))
        proc = subprocess.run([sys.executable, "setup.py", "--quiet", "bdist_egg", "--dist-dir", str(work / "dist")],
                              cwd=work, capture_output=True, text=True)
        eggs = sorted((work / "dist").glob("*.egg"))
        if proc.returncode != 0 or len(eggs) != 1:
            raise DeployError(f"building the egg failed (setuptools exit {proc.returncode}): "
                              f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(eggs[0], dest)
    return dest


def add_version(url: str, project: str, version: str, egg: Path, timeout: float = 60) -> dict:
    """Upload ``egg`` to scrapyd's ``addversion.json`` at ``url``; return scrapyd's answer."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("project", project), ("version", version)):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + egg.read_bytes() + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url.rstrip("/") + "/addversion.json", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise DeployError(
            f"scrapyd at {url} answered {exc.code}: {exc.read()[:500].decode(errors='replace')}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeployError(f"cannot reach scrapyd at {url}: {getattr(exc, 'reason', exc)}") from None
    except ValueError:
        raise DeployError(f"scrapyd at {url} did not answer JSON") from None
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        raise DeployError(f"scrapyd at {url} refused the egg: {answer}")
    return answer


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.deploy",
        description="Build the project's egg outside the checkout and add it to scrapyd (addversion.json).",
        epilog="Exit status: 0 deployed or built, 1 build or upload failed, 2 bad arguments.")
    parser.add_argument("target", nargs="?", default="default",
                        help="a deploy target of scrapy.cfg: [deploy] is 'default', [deploy:NAME] is NAME")
    parser.add_argument("--url", help="scrapyd's address (default: the target's url)")
    parser.add_argument("--project", help="project name in scrapyd (default: the target's project)")
    parser.add_argument("--version", help="version to add (default: the current Unix time, as scrapyd-deploy)")
    parser.add_argument("--build-egg", type=Path, metavar="FILE", help="only build the egg into FILE; upload nothing")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None, root: Path = ROOT) -> int:
    opts = parse_args(argv)
    target = targets(root / "scrapy.cfg").get(opts.target)
    if target is None and not (opts.url or opts.build_egg):
        print(f"newscrawl.deploy: unknown target {opts.target!r} (scrapy.cfg has "
              f"{', '.join(targets(root / 'scrapy.cfg')) or 'none'})", file=sys.stderr)
        return 2
    target = target or {}
    project = opts.project or target.get("project") or PACKAGE
    version = opts.version or target.get("version") or str(int(time.time()))
    url = opts.url or target.get("url")
    try:
        if opts.build_egg:
            build_egg(root, project, version, opts.build_egg)
            print(f"newscrawl.deploy: egg {opts.build_egg} (project {project}, version {version})")
            return 0
        if not url:
            print(f"newscrawl.deploy: target {opts.target!r} has no url in scrapy.cfg; give --url", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="newscrawl-deploy-") as tmp:
            egg = build_egg(root, project, version, Path(tmp) / f"{project}-{version}.egg")
            answer = add_version(url, project, version, egg)
    except DeployError as exc:
        print(f"newscrawl.deploy: {exc}", file=sys.stderr)
        return 1
    print(f"newscrawl.deploy: project {project} version {version} added to {url} "
          f"(spiders: {answer.get('spiders', '?')})")
    return 0
