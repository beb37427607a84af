from __future__ import annotations

import enum


class StudyDirection(enum.IntEnum):
    """Whether an objective is minimized or maximized."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2
