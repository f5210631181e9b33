"""Turning matches into Rasa entities: one entity per value, spans an annotator would mark.

Why roles: the dialogue side must know not only *which* sign was named but *how*:
present (no role), in a hypothetical question (``hypothetical``), past and resolved
(``historical``), about someone else (``other_person``) or only suspected
(``suspected``: a near-miss spelling, a parent's description that might be the sign,
a number that may be a temperature). Rasa carries this as the entity's ``role``;
a ``from_entity`` slot mapping without a role only takes entities without one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Optional, Sequence

from spacy.tokens import Doc

ROLES = ("hypothetical", "historical", "other_person", "suspected")


@dataclass(frozen=True)
class Entity:
    """One detected entity; offsets are character offsets into the message text."""

    entity: str
    value: str
    start: int
    end: int
    text: str
    role: Optional[str] = None

    def as_dict(self, extractor: str) -> dict[str, Any]:
        """The Rasa entity dict (deterministic, so confidence is 1.0); ``role`` only when set."""
        found = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "confidence_entity": 1.0,
            "extractor": extractor,
        }
        if self.role:
            found["role"] = self.role
        return found


@dataclass(frozen=True)
class Hit:
    """A candidate entity on token positions [start, end)."""

    entity: str
    value: str
    start: int
    end: int
    overrides: frozenset[str] = frozenset()
    role: Optional[str] = None
    kind: Optional[str] = None  # the rule's context_kind ("exertion"): a narrower class for context rules


def single_values(hits: list[Hit], orders: Mapping[str, Sequence[str]]) -> list[Hit]:
    """One value per single-valued entity type: the first in the configured order."""
    chosen = {}
    for entity, order in orders.items():
        found = {h.value for h in hits if h.entity == entity}
        chosen[entity] = next((value for value in order if value in found), None)
    return [h for h in hits if h.entity not in chosen or h.value == chosen[h.entity]]


_ROLE_RANK = {None: 0, "suspected": 1, "historical": 2, "hypothetical": 3, "other_person": 4}


def to_entities(doc: Doc, original: str, hits: Iterable[Hit], longest: set[str]) -> list[Entity]:
    """One entity per distinct (entity, value), sorted by position.

    Of the hits for one value, the present reading wins over any role (a sign both
    told now and in a past story is present: fail safe). Of the hits with that role,
    the first group of overlapping ones counts, and its shortest or longest span is
    reported (``longest``: entity types reported by their longest span).
    """
    by_value: dict[tuple[str, str], list[Hit]] = {}
    for hit in hits:
        by_value.setdefault((hit.entity, hit.value), []).append(hit)
    entities = []
    for (entity, value), all_hits in by_value.items():
        role = min((h.role for h in all_hits), key=lambda r: _ROLE_RANK[r])
        group: list[Hit] = []
        for hit in sorted((h for h in all_hits if h.role == role), key=lambda h: (h.start, h.end)):
            if not group or hit.start < max(h.end for h in group):
                group.append(hit)
        sign = -1 if entity in longest else 1
        best = min(group, key=lambda h: (sign * (h.end - h.start), h.start))
        span = doc[best.start : best.end]
        start, end = span.start_char, span.end_char
        entities.append(Entity(entity, value, start, end, original[start:end], role))
    return sorted(entities, key=lambda e: (e.start, e.entity, e.value))


def share_overlapping_spans(entities: list[Entity], text: str) -> list[Entity]:
    """Entities whose spans overlap all get the union of their spans.

    Rasa's annotation format (test stories, training data) can put several entities on
    one span but cannot nest spans; sharing one span keeps every output annotatable,
    e.g. ``[my 2 week old][{"entity": "audience", ...}, {"entity": "age_group", ...}]``.
    """
    clusters: list[list[Entity]] = []
    for entity in sorted(entities, key=lambda e: (e.start, e.end)):
        if clusters and entity.start < max(e.end for e in clusters[-1]):
            clusters[-1].append(entity)
        else:
            clusters.append([entity])
    shared = []
    for cluster in clusters:
        start, end = min(e.start for e in cluster), max(e.end for e in cluster)
        shared += [replace(e, start=start, end=end, text=text[start:end]) for e in cluster]
    return sorted(shared, key=lambda e: (e.start, e.entity, e.value))
