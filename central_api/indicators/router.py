"""`GET /v1/indicators`: the region's indicators for its coordinators.

Exact for the coordinators of the region (they work with the cases); `?public=true`
applies the small-number rules (what may leave the region). Other roles get 403, another
region than the user's 403. Bad dates give 422 naming `from` or `to`.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from central_api import errors
from central_api.errors import ApiError
from central_api.indicators.service import IndicatorInputError, parse_period, report
from coordination.indicators import to_csv


def indicators_router(authenticated: Callable[..., Any]) -> APIRouter:
    """The router; `authenticated` is the API's bearer-token dependency (a Principal)."""
    router = APIRouter(tags=["indicators"])

    @router.get("/v1/indicators")
    def indicators(
        request: Request,
        principal: Annotated[Any, Depends(authenticated)],
        start: Annotated[str, Query(alias="from", max_length=40)],
        end: Annotated[str, Query(alias="to", max_length=40)],
        public: bool = False,
        region: Annotated[str | None, Query(max_length=200)] = None,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    ) -> Response:
        """Every indicator of domain/indicators.md for the user's region, [from, to)."""
        storage = request.app.state.storage
        if principal.role != "coordinator":
            storage.record("indicators.read", "forbidden", principal)
            raise ApiError(errors.FORBIDDEN, "Only coordinators of the region see indicators.")
        if region is not None and region != principal.region:
            storage.record("indicators.read", "forbidden", principal, region=region)
            raise ApiError(errors.FORBIDDEN, "Indicators of another region.", field="region")
        try:
            period = parse_period(start, end)
            result = report(storage.engine, principal.region, period, public=public)
        except IndicatorInputError as exc:
            raise ApiError(errors.INVALID_REQUEST, str(exc), field=exc.field) from None
        storage.record("indicators.read", "ok", principal, period=period.label, public=public)
        if format == "csv":
            return Response(to_csv(result), media_type="text/csv; charset=utf-8")
        return JSONResponse(result)

    return router
