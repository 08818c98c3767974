"""The HTTP API (Litestar): a thin front end over the `Lms` facade.

`create_app(lms)` builds the ASGI application over a ready facade (`lms serve` runs it). The library's
public API is `lms_core` and `lms_adapters`; the modules of this package are internal.
"""

from lms_http.app import create_app

__all__ = ["create_app"]
