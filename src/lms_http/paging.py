"""Query parameters of every paginated list, with the core's bounds and defaults."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from lms_core.shared.pagination import MAX_PAGE, MAX_PAGE_SIZE

PageQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page number, from 1")]
PageSizeQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="items per page")]
