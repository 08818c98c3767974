"""CORS, off unless `LMS_CORS_ORIGINS` names the origins of browser front ends on other sites."""

from __future__ import annotations

from litestar.config.cors import CORSConfig

from lms_adapters.settings import Settings

# What the API's browser clients need: bearer tokens, JSON bodies and the download validators. No
# credentials mode: the API authenticates by bearer token, never by cookie.
CORS_METHODS: list[str] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = ["Authorization", "Content-Type", "If-None-Match", "Range"]
CORS_EXPOSED = ["ETag", "Content-Disposition", "Content-Range", "Content-Length", "Retry-After"]


def cors_config(settings: Settings) -> CORSConfig | None:
    origins = settings.cors_origin_list()
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=CORS_METHODS,  # type: ignore[arg-type]
        allow_headers=CORS_HEADERS,
        allow_credentials=False,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
