"""Compatibility names for the red-flag detector, which now lives in ``bot.language``.

Kept so that code written against the single-module detector keeps importing; new
code imports from ``bot.language.detector`` (and its small pieces) directly.
"""

from bot.language.detector import PATTERNS_PATH, RedFlagDetector, load_config, load_detector
from bot.language.entities import Entity, Hit
from bot.language.patterns import PatternCompiler, PatternFileError

__all__ = [
    "PATTERNS_PATH",
    "Entity",
    "Hit",
    "PatternCompiler",
    "PatternFileError",
    "RedFlagDetector",
    "load_config",
    "load_detector",
]
