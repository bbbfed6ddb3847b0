"""schemathesis against the server's own ``/openapi.json``: requests generated from the description of
every operation (valid and invalid parameters, bodies, media types) must never get a server error or
hang. The server runs for real (waitress, embedded store, writes enabled with the token, which the
generated requests carry, so that the write paths are fuzzed too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rdflib import Dataset
from schemathesis import GenerationMode

from bolekg.settings import Limits
from hardening_support import limited_site
from ld_support import Site

TOKEN = "schema-token"
LIMITS = Limits(timeout=3.0, max_rows=200, max_query_bytes=20_000, max_body_bytes=200_000)
#: Seconds one generated request may take before it counts as a hang.
PATIENCE = 20.0
#: Generated cases per operation and mode.
EXAMPLES = 25


@pytest.fixture(scope="module")
def site(real_dataset: Dataset) -> Iterator[Site]:
    with limited_site("embedded", None, real_dataset, LIMITS, token=TOKEN, workers=2) as running:
        yield running


def operations(site: Site) -> list:  # type: ignore[type-arg]
    api = schemathesis.openapi.from_url(f"{site.root}/openapi.json")
    return [result.ok() for result in api.get_all_operations()]


def test_the_description_lists_operations(site: Site) -> None:
    labels = {operation.label for operation in operations(site)}
    assert {"GET /sparql", "POST /sparql", "PUT /store", "GET /id/{path}"} <= labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_fails(site: Site, mode: GenerationMode) -> None:
    """Each operation in turn: generated cases (valid ones, then ones that break the description)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    fuzzed = set()
    for operation in operations(site):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=site.root, headers=auth, timeout=PATIENCE)
            assert response.status_code < 500 or (
                response.status_code == 503 and "stopped after" in response.text), (
                case.method, case.formatted_path, case.query, response.status_code, response.text[:300])
            assert b"Traceback" not in response.content  # bytes: /favicon.ico is an image
            fuzzed.add(case.operation.label)

        try:
            run()
        except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE, operation.label
    assert {"GET /sparql", "POST /sparql", "GET /store", "PUT /store", "POST /store"} <= fuzzed, fuzzed
