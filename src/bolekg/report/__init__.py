"""The report as data: its text cut into sentences (:mod:`.corpus`), every number in it
(:mod:`.mentions`), the text structure as RDF (:mod:`.textgraph`), the graph assembled from its files
(:mod:`.dataset`), the vocabularies (:mod:`.vocab`), the SHACL gate (:mod:`.validate`), the numeric
audit (:mod:`.audit`) and the export in any RDF format (:mod:`.export`). Nothing here serves or stores."""
