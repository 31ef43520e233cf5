"""Service routes: the health check."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter

from central_api import errors
from central_api.errors import ApiError
from central_api.routes.deps import StorageDep, error_response
from doorloop_protocol import HealthResponse

log = logging.getLogger("central_api")

API_VERSION = "0.1.0"

router = APIRouter(tags=["service"])


@router.get("/v1/health", response_model=HealthResponse)
def health(storage: StorageDep) -> Any:
    """Answers 200 when the service and its database are ready."""
    try:
        dialect = storage.ping()
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return error_response(ApiError(errors.SERVICE_UNAVAILABLE))
    return HealthResponse(status="ok", database=dialect, version=API_VERSION)
