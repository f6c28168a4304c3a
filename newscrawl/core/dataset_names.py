"""Dataset names: the name a run's data is kept under, and the datasets an output directory holds.

Every run's data belongs to one dataset, named after where it came from: the spider's name for
the live site (``almayadeen``), ``<spider>-mirror-<host>-<port>`` for a mirror or the replica
(``CrawlArgs.dataset``, from ``base_url``), and ``demo`` for the offline demo
(``scripts/demo.py``, the replica on a port of the day). Under an output directory a dataset
``NAME`` of an edition is, in every command:

- run files (crawls, re-extractions): ``NAME/<edition>/<UTC time>.jsonl`` and their summaries;
- WARC files: ``warc/<edition>/`` for the live site, ``warc/NAME-<edition>/`` for any other;
- the merge: ``merged/NAME-<edition>.jsonl``; the published dataset: ``dataset/NAME-<edition>/``.

So a mirror's or the replica's records, which carry the live host in ``canonical_url``, never
take the live dataset's names. The commands that read runs (merge, dataset) take the dataset
from ``--dataset``, else from the run files there are: the one dataset of the edition, or an
error naming them all when there are several.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .outlet import default_spider

# The demo's dataset (scripts/demo.py): the replica of the registry's first outlet.
DEMO = "demo"
# Directories of an output root that hold no run files of their own.
NOT_DATASETS = frozenset({"merged", "dataset", "warc", "state", "logs"})


class AmbiguousDataset(Exception):
    """Several datasets could be meant and none was named (one-line message)."""


def belongs_to(name: str, spider: str) -> bool:
    """Whether the dataset ``name`` holds runs of ``spider``: its live runs, a mirror's, the demo's."""
    return name == spider or name.startswith(spider + "-mirror-") or (name == DEMO and spider == default_spider())


def name_problem(name: str) -> Optional[str]:
    """Why ``name`` cannot be a dataset name (a directory under the output root), or None."""
    if not name or "/" in name or name.startswith(".") or name in NOT_DATASETS:
        return f"{name!r} is not a dataset name"
    return None


def warc_dir_name(dataset: str, edition: str, spider: str) -> str:
    """The directory under ``<output>/warc`` of a dataset's WARC files."""
    return edition if dataset == spider else f"{dataset}-{edition}"


def _has_runs(directory: Path) -> bool:
    try:
        return any(p.name.endswith(".jsonl") and not p.name.endswith(".breaking.jsonl") and not p.name.startswith(".")
                   for p in directory.iterdir())
    except OSError:  # missing, not a directory
        return False


def found(output_dir: Path, edition: str, spider: str) -> list[str]:
    """The datasets of ``spider`` with run files of ``edition`` under ``output_dir``, sorted."""
    try:
        entries = sorted(output_dir.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    return [p.name for p in entries
            if p.name not in NOT_DATASETS and belongs_to(p.name, spider) and _has_runs(p / edition)]


def choose(output_dir: Path, edition: str, spider: str, named: Optional[str] = None) -> str:
    """The dataset a command means: ``named`` when given; else the only one with run files of
    the edition; the spider's (live) name when there is none. Several and none named:
    :class:`AmbiguousDataset`, naming them."""
    if named:
        return named
    names = found(output_dir, edition, spider)
    if len(names) > 1:
        raise AmbiguousDataset(f"{output_dir} holds runs of edition {edition} in several datasets: "
                               f"{', '.join(names)}; name one with --dataset")
    return names[0] if names else spider


def resolve(output_dir: Path, edition: str, spider: str, named: Optional[str] = None,
            input_dir: Optional[Path] = None, merged: Optional[Path] = None) -> tuple[str, Path]:
    """(dataset, directory of its run files) for the commands that read runs: ``named`` when
    given; else the dataset an ``input_dir`` given as ``<NAME>/<edition>``, or a ``merged``
    file given as ``<NAME>-<edition>.jsonl``, names (the spider's when they name none); else
    :func:`choose`."""
    if named:
        return named, input_dir or output_dir / named / edition
    if input_dir is not None or merged is not None:
        name = spider
        if input_dir is not None and input_dir.name == edition and belongs_to(input_dir.parent.name, spider):
            name = input_dir.parent.name
        elif (
            merged is not None
            and merged.stem.endswith(f"-{edition}")
            and belongs_to(merged.stem[: -len(edition) - 1], spider)
        ):
            name = merged.stem[: -len(edition) - 1]
        return name, input_dir or output_dir / name / edition
    name = choose(output_dir, edition, spider)
    return name, output_dir / name / edition
