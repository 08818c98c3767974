"""One pagination shape for every list: a request (`page`, `page_size`) and a `Page` of items.

List commands subclass `PageRequest`, so every list has the same bounds and defaults; repositories page
with `lms_adapters.persistence.paging`, and services wrap the result with `PageRequest.page_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

import msgspec

from lms_core.shared.commands import Command

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Deeper pages cost the database an OFFSET scan of everything before them; no list offers that many.
MAX_PAGE = 100_000

PageNumber = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE_SIZE)]


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    items: list[T]
    total: int
    page: int
    page_size: int


class PageRequest(Command, frozen=True, kw_only=True):
    """The page a list command asks for; list commands subclass it."""

    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size

    def page_of(self, items: Sequence[T], total: int) -> Page[T]:
        return Page(items=list(items), total=total, page=self.page, page_size=self.page_size)
