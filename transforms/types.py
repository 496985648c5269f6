"""Value types shared by the transforms: what a transform returns."""
from __future__ import annotations

from dataclasses import dataclass

# The stages a file goes through. A reject names the stage where it failed.
STAGES = ("read", "decode", "detect", "parse", "extract", "validate", "write")


@dataclass(frozen=True)
class Reject:
    """A file that did not become an article, with a reason a person understands."""

    stage: str
    reason: str

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")


class RejectError(Exception):
    """Raised inside a transform to turn the current file into a ``Reject``; caught in ``extract``."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.reject = Reject(stage, reason)
