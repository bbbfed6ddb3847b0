"""Draft a graph from the text of a report of the 我为群众办实事 kind (``bolekg extract``).

The modules read as the pipeline: :mod:`reading` (plain text, an HTML article body, a PDF's text
layer) → :mod:`structure` (headings, paragraphs, sentences with code-point offsets) → :mod:`numbers`
(numerals, units, qualifiers, ranges) → :mod:`cues` (measure type and period from the sentence's words)
→ :mod:`matching` (indicator words, places from the gazetteer, organisation names) → :mod:`status`
(status statements from the ontology's cue words) → :mod:`draft` (the figures, statuses and stated
responsibilities with what was and was not resolved) → :mod:`writer` (the draft graph, its places and
organisations linked to a :mod:`registry` of shared entities where they match) checked by :mod:`profile`
(the shapes, less what curation must still add). :mod:`evaluate` measures a draft
against a curated graph; nothing in the extraction itself reads a curated graph: its rules are
general lexicons.
"""
