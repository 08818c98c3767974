"""The interactive API docs (Swagger UI), served entirely by the app: no CDN, no inline script.

Swagger UI's files come from the `swagger-ui-py` package (Apache-2.0; Swagger UI 5, the first to read
the OpenAPI 3.1 documents Litestar writes), read once when first asked for. The page loads them and a
small start-up script from `/schema/assets/`, so its Content-Security-Policy can allow scripts from
'self' only (see security_headers.py). Other renderers (Redoc, Elements, RapiDoc,
Scalar) would load theirs from a CDN: they are not offered, and their paths are unknown paths (404
problem+json) like any other.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.routes import BaseRoute
from litestar.types import ControllerRouterHandler

DOCS_PATH = "/schema"
ASSETS_PATH = f"{DOCS_PATH}/assets"
_SWAGGER_PACKAGE = "swagger_ui"

# Resolves the schema's URL from the script's own (`.../schema/assets/swagger-init.js`), so the docs work
# under whatever prefix the app is mounted at.
_INIT_SCRIPT = b"""\
"use strict";
(function () {
  var here = document.currentScript.src;
  window.ui = SwaggerUIBundle({
    url: new URL("../openapi.json", here).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
"""
_PAGE_CSS = b"body { margin: 0; padding: 0 }\n"

# The files the page uses, and their content types; nothing else of the package is served.
_VENDORED = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
_OWN = {
    "swagger-init.js": (_INIT_SCRIPT, "text/javascript"),
    "docs.css": (_PAGE_CSS, "text/css"),
}


def _vendor_dir() -> Traversable:
    static = resources.files(_SWAGGER_PACKAGE) / "static"
    if not (static / "swagger-ui-bundle.js").is_file():
        raise RuntimeError("the swagger-ui-py package has no Swagger UI files")
    return static


@cache
def _asset(name: str) -> tuple[bytes, str]:
    if name in _OWN:
        return _OWN[name]
    return (_vendor_dir() / name).read_bytes(), _VENDORED[name]


@get("/assets/{name:str}", include_in_schema=False, sync_to_thread=False)
def docs_asset(name: FromPath[str]) -> Response[bytes]:
    """One file of the docs page; cached for a day (they change only with the installed package)."""
    if name not in _OWN and name not in _VENDORED:
        raise NotFoundException()
    content, content_type = _asset(name)
    return Response(content, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"})


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI from the app's own files; a static page, so its CSP needs no hash of an inline script."""

    def __init__(self, path: str | Sequence[str] = ("/", "/swagger")) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            path=path,
            favicon=f'<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">',
            style=f'<link rel="stylesheet" href="{ASSETS_PATH}/docs.css">',
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        page = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <title>{title}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {self.favicon}
    <link rel="stylesheet" href="{self.css_url}">
    {self.style}
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{self.js_url}"></script>
    <script src="{ASSETS_PATH}/swagger-init.js"></script>
  </body>
</html>
"""
        return page.encode()

    def receive_router(self, router: Router) -> None:
        """The assets route instead of Litestar's OAuth2 redirect page (an inline script; the API's OAuth2
        flow is the password grant, which needs no redirect)."""
        router.register(docs_asset)


class DocsRouter(Router):
    """The router of the docs: like Litestar's, without its HTML 404 page for unknown `/schema/...` paths,
    so those answer problem+json like every other unknown path."""

    def register(self, value: ControllerRouterHandler) -> list[BaseRoute]:
        if isinstance(value, HTTPRouteHandler) and value.handler_name == "handle_schema_path_not_found":
            return []
        return super().register(value)


def docs_router() -> Router:
    return DocsRouter(DOCS_PATH, route_handlers=[], include_in_schema=False, dto=None, return_dto=None)
