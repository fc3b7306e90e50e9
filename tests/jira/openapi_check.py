"""Check requests and answers against Atlassian's published OpenAPI document (REST v3) with openapi-core."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_PATH = Path("/work/shared/data/jira/swagger-v3.v3.json")
HOST = "https://your-domain.atlassian.net"      # the spec's server; the stand-in's paths are the same


@dataclass
class _Request:
    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: Any
    host_url: str = HOST

    @property
    def full_url_pattern(self) -> str:  # pragma: no cover - older protocol name
        return self.host_url + self.path


@dataclass
class _Response:
    status_code: int
    data: bytes | None
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


class OpenAPIChecker:
    """Validates one call at a time; returns the problems as strings (empty list = conforms)."""

    def __init__(self, spec_path: Path = SPEC_PATH):
        from openapi_core import Config, OpenAPI

        spec = json.loads(spec_path.read_text())
        self.api = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))

    def _request(self, method: str, path: str, query: str, headers: dict, body: bytes) -> _Request:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict
        from urllib.parse import parse_qsl

        ctype = headers.get("Content-Type") or headers.get("content-type") or "application/json"
        params = RequestParameters(query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
                                   header=Headers(headers), cookie=ImmutableMultiDict())
        return _Request(method.lower(), path, body or None, ctype.lower(), params)

    def check_request(self, method, path, query, headers, body) -> list[str]:
        req = self._request(method, path, query, headers, body)
        return [_describe(e) for e in self.api.iter_request_errors(req)] if hasattr(self.api, "iter_request_errors") \
            else self._try(lambda: self.api.validate_request(req))

    def check_response(self, method, path, query, headers, body, status, data) -> list[str]:
        req = self._request(method, path, query, headers, body)
        resp = _Response(status, data or None, "application/json" if data else "")
        problems = self._try(lambda: self.api.validate_response(req, resp))
        if not data:
            # Jira answers 201/204 with no body where the document lists an empty schema: only the
            # status code must be a documented one (a wrong code shows up as another error).
            problems = [p for p in problems if not p.startswith("MissingData")]
        return problems

    @staticmethod
    def _try(fn) -> list[str]:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - every validation failure is a finding
            return [_describe(exc)]
        return []


def _describe(exc: BaseException) -> str:
    """The schema errors first (they say what is wrong and where), then the exception chain."""
    details, chain = [], []
    cause: BaseException | None = exc
    while cause is not None:
        chain.append(f"{type(cause).__name__}: {str(cause)[:200]}")
        for sub in getattr(cause, "schema_errors", ()) or ():
            details.append(f"{str(getattr(sub, 'message', sub))[:300]} at {list(getattr(sub, 'absolute_path', []))}")
        cause = cause.__cause__
    return "; ".join(details + chain)[:3000]
