"""What the site offers on top of the store, without HTTP: search over names (:mod:`.search`), the
VoID/DCAT catalogue and Service Description (:mod:`.catalog`), the document a dereferenced IRI answers
with (:mod:`.describe`), recorded lookups for pages (:mod:`.lookup`) and the tidy CSV (:mod:`.tidy`)
with its CSV on the Web metadata and Frictionless Data Package (:mod:`.csvw`)."""
