"""Schemathesis against /openapi.json: no generated request may get a 5xx answer.

Positive (schema-conforming) and negative (schema-violating) requests are generated for
every operation, sent with a valid device token, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from starlette.exceptions import StarletteDeprecationWarning

from central_api.storage import Storage
from tests.integration.central_api.conftest import make_api, version

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 15


def load_schema(app: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_generated_request_gets_a_server_error(storage: Storage) -> None:
    api = make_api(storage)
    with api.client:
        headers = api.login("anna")
        first = version()
        api.push(headers, [first, version(case_id=first["case_id"], base=first["version_id"])])
        schema = load_schema(api.client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        labels = sorted(f"{op.method.upper()} {op.path}" for op in operations)
        assert labels == [
            "GET /v1/health",
            "GET /v1/me",
            "GET /v1/sync/pull",
            "POST /v1/auth/login",
            "POST /v1/auth/logout",
            "POST /v1/sync/push",
        ]
        failures: list[str] = []
        for operation in operations:
            if operation.path == "/v1/auth/logout":
                continue  # would revoke the token the other operations use
            strategy = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            )

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", StarletteDeprecationWarning)
                    response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path}: {case.as_curl_command()}")
                case.validate_response(response, checks=[not_a_server_error])

            check()
        assert failures == []
