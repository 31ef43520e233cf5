"""The numbered error catalogue and the JSON error body `{"error": {...}}` of every failure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    errno: int
    status: int
    message: str


# The catalogue (docs/central-api.md lists it); numbers are never reused.
INVALID_REQUEST = ErrorCode("invalid_request", 100, 422, "The request is not valid.")
MALFORMED_JSON = ErrorCode("malformed_json", 101, 422, "The body is not valid JSON.")
PAYLOAD_TOO_LARGE = ErrorCode(
    "payload_too_large", 102, 413, "The body is larger than the server accepts."
)
UNAUTHORIZED = ErrorCode("unauthorized", 104, 401, "A valid bearer token is required.")
DEVICE_REVOKED = ErrorCode("device_revoked", 105, 401, "This device has been revoked.")
DEVICE_WIPE = ErrorCode(
    "device_wipe", 108, 401, "This device was revoked as lost: erase its local data and confirm."
)
INVALID_CREDENTIALS = ErrorCode(
    "invalid_credentials", 106, 401, "Unknown username or wrong password."
)
FORBIDDEN = ErrorCode("forbidden", 111, 403, "This role may not do that.")
NOT_FOUND = ErrorCode("not_found", 120, 404, "No such resource.")
METHOD_NOT_ALLOWED = ErrorCode("method_not_allowed", 121, 405, "Method not allowed here.")
CONFLICT = ErrorCode(
    "conflict", 122, 409, "The request conflicts with the current state; look again."
)
CURSOR_EXPIRED = ErrorCode(
    "cursor_expired",
    110,
    410,
    "The cursor is older than the server's change log; start a full resync (since=0).",
)
RATE_LIMITED = ErrorCode("rate_limited", 117, 429, "Too many requests; retry later.")
INTERNAL_ERROR = ErrorCode("internal_error", 999, 500, "Internal server error.")
SERVICE_UNAVAILABLE = ErrorCode("service_unavailable", 201, 503, "The database is not reachable.")

CATALOGUE: tuple[ErrorCode, ...] = (
    INVALID_REQUEST,
    MALFORMED_JSON,
    PAYLOAD_TOO_LARGE,
    UNAUTHORIZED,
    DEVICE_REVOKED,
    DEVICE_WIPE,
    INVALID_CREDENTIALS,
    CURSOR_EXPIRED,
    FORBIDDEN,
    RATE_LIMITED,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    CONFLICT,
    SERVICE_UNAVAILABLE,
    INTERNAL_ERROR,
)


class ApiError(Exception):
    """Raised inside the API; rendered as the error body with the code's HTTP status."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or code.message)
        self.code = code
        self.message = message or code.message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, dict[str, object]]:
        return error_body(self.code, self.message, self.field)


def error_body(
    code: ErrorCode, message: str | None = None, field: str | None = None
) -> dict[str, dict[str, object]]:
    return {
        "error": {
            "code": code.code,
            "errno": code.errno,
            "message": message or code.message,
            "field": field,
        }
    }
