"""The catalogue listing issues a constant number of SQL statements, whatever the page size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from lms_adapters.caching.memory import InProcessCache
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_core import Actor, Lms
from lms_core.courses.commands import ListCourses
from lms_core.courses.service import CourseService
from lms_core.enrollments.completion import LessonCompletion
from lms_core.shared.clock import FixedClock
from tests.support.catalogue import instructor, published_course


async def test_listing_query_count_does_not_grow_with_the_page(lms: Lms, database_url: str) -> None:
    owner = await instructor(lms)
    for number in range(12):
        await published_course(lms, owner, f"Course {number:02d}", lessons=1)

    engine = create_engine(database_url)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        # A cache that never hits, so every call reaches the database.
        service = CourseService(
            uow=SqlUnitOfWork(engine, clock=FixedClock()),
            clock=FixedClock(),
            catalogue_cache=InProcessCache(max_entries=0),
            lesson_changes=LessonCompletion(),
        )
        sizes = {}
        for page_size in (1, 5, 12):
            statements.clear()
            page = await service.list_courses(Actor.anonymous(), ListCourses(page_size=page_size))
            assert len(page.items) == page_size
            sizes[page_size] = len(statements)
    finally:
        await engine.dispose()
    assert sizes[1] == sizes[5] == sizes[12] == 2  # one count, one page (instructor names joined)
