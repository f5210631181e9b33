"""The language side: what a message says, as data-driven spaCy pieces (no Rasa imports).

* ``patterns``   the YAML token-spec mini-language compiled to spaCy Matcher patterns
* ``quantities`` temperatures, ages and durations read from numbers and units
* ``thresholds`` the clinical thresholds from ``triage_rules.yml``
* ``signs``      sign matching: the rules of ``red_flags.yml`` in one Matcher pass
* ``fuzzy``      misspelt sign words corrected by edit distance (rapidfuzz)
* ``context``    ConText: negated, uncertain, hypothetical, historical, other person, harmless
* ``entities``   matches -> Rasa entities with roles
* ``detector``   the pieces wired together (``load_detector``)
"""
