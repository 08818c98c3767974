"""The HTTP API (Litestar): a thin front end over the `Lms` facade."""

from lms_http.app import create_app

__all__ = ["create_app"]
