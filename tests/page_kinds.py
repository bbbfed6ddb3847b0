"""One page of every kind the site has: the list the browser tests walk (``test_phone_pages``: no sideways
scroll, axe-core, screenshots at both sizes in both languages; ``test_browser``: each renders).

A new kind of page is one line here, and every check of every
page kind then covers it.
"""

from __future__ import annotations

DEF = "https://w3id.org/bolekg/def/"
#: The two screens every browser test uses: a phone and a laptop (issue 18).
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: A page that answers 404 on purpose: a place's address with a typo.
NOT_FOUND = "/id/place/dalete-twon"

#: Name → path of a page of each kind (the names go into screenshot file names).
PAGES = {
    "home": "/",
    "item": "/id/item/1-01",
    "project": "/id/project/hospital-ward-building",
    "place": "/id/place/dalete-town",
    "city": "/id/place/bole-city",
    "organisation": "/id/org/bole-housing-bureau",
    "observation": "/id/obs/1-01-training-share",
    "quote": "/id/quote/236-262",
    "sentence": "/id/text/s1-i01-06",
    "class": "/def/Observation",
    "property": "/def/initiative",
    "reader": "/reader",
    "reader-part": "/reader?part=section-2",
    "browse": "/browse",
    "browse-class": f"/browse?class={DEF}Observation",
    "search": "/search?q=boleshi",
    "dashboard": "/dashboard",
    "timeline": "/timeline",
    "ontology": "/ontology",
    "ontology-section": "/ontology?section=units",
    "quality": "/quality",
    "about": "/about",
    "map": "/map",
    "compare": "/compare/vocational-training",
    "compare-index": "/compare",
    "workbench": "/sparql",
    "404": NOT_FOUND,
}
