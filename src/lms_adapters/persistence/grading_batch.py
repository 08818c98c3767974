"""Bulk reads and writes of quiz attempts for batch grading (`GradingBatchStore`).

Built for throughput over whole quizzes (measured by `python -m bench.regrade`):

- attempts are read in chunks by keyset pagination in id order, which the (quiz_id, id) index serves
  without sorting;
- JSON documents come back as text (`CAST(... AS TEXT)`; SQLAlchemy's JSON type, and asyncpg for JSONB,
  would run the standard library's decoder first) and msgspec decodes them into the core's structs:
  question lists element by element, each distinct element once (see `_Documents`), and results only
  when they hold a person's grades, the one thing a regrade carries over;
- ids are converted a chunk at a time, and every write is one statement given to the driver's
  `executemany` with plain tuples, skipping SQLAlchemy's per-row parameter processing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from lms_adapters.persistence.models import enrollments, lesson_progress, quiz_attempts, quizzes, users
from lms_core.enrollments.entities import FULL, ProgressStatus
from lms_core.quizzes.batch import gc_paused
from lms_core.quizzes.entities import AttemptStatus
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult
from lms_core.quizzes.ports import AttemptOwner, GradeChange, GradeWrite, GradingRow
from lms_core.shared.ids import new_id

_a = quiz_attempts.c
_SUBMITTED = AttemptStatus.SUBMITTED.value
_GRADED = AttemptStatus.GRADED.value
_IN_PROGRESS = AttemptStatus.IN_PROGRESS.value
_STATUSES = {status.value: status for status in AttemptStatus}
_LESSON_COMPLETED = ProgressStatus.COMPLETED.value

_decode_question = msgspec.json.Decoder(FrozenQuestion).decode
_decode_elements = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_answers = msgspec.json.Decoder(dict[str, Any] | None).decode
_decode_results = msgspec.json.Decoder(list[QuestionResult] | None).decode
_encode = msgspec.json.Encoder().encode

# Cheap test before decoding results: only a person's grades have to be carried over by a regrade.
_MANUAL_MARK = '"manual"'

# Ids and flags come back as the driver gives them (SQLite: hex text and 0/1) and are converted a chunk
# at a time: msgspec makes UUIDs several times faster than `uuid.UUID(...)` per value.
_ROW_COLUMNS = (
    type_coerce(_a.id, String),
    type_coerce(_a.quiz_id, String),
    type_coerce(_a.enrollment_id, String),
    _a.status,
    _a.passing_score,
    cast(_a.questions, Text),
    cast(_a.answers, Text),
    cast(_a.results, Text),
    _a.score_centi,
    _a.max_score_centi,
    _a.percentage_bp,
    type_coerce(_a.is_passed, Integer),
)


def _uuids(values: list[Any]) -> list[UUID]:
    """Driver values of UUID columns as UUIDs: hex text on SQLite (converted in one go), UUIDs already
    (asyncpg's own subclass) on PostgreSQL."""
    if values and isinstance(values[0], str):
        return msgspec.convert(values, list[UUID])
    return values


def _no_results() -> ColumnElement[bool]:
    # An attempt inserted without results may hold SQL NULL or the JSON document `null`.
    return or_(_a.results.is_(None), cast(_a.results, Text) == "null")


class _Documents:
    """Attempts' JSON documents to and from the core's structs, each distinct element once.

    Every attempt of a quiz holds the same few questions (in its own order, with its own option order),
    and a regrade hands back the same few results per question over and over. So question lists are
    decoded element by element -- `msgspec.Raw` spans, each distinct one decoded into a `FrozenQuestion`
    once -- and lists are encoded from the bytes kept for each element object. Elements are immutable
    structs, shared between the rows of a chunk; the caches live as long as the store (one transaction)
    and are bounded.
    """

    LIMIT = 20_000

    def __init__(self) -> None:
        self._questions: dict[bytes, FrozenQuestion] = {}
        self._encoded: dict[int, tuple[object, bytes]] = {}  # id(element) -> (element, its JSON)

    def questions(self, text: str) -> list[FrozenQuestion]:
        known = self._questions
        found = []
        for element in _decode_elements(text):
            data = bytes(element)
            question = known.get(data)
            if question is None:
                question = _decode_question(data)
                if len(known) < self.LIMIT:
                    known[data] = question
                    self._remember(question, data)
            found.append(question)
        return found

    def encode(self, elements: Sequence[FrozenQuestion] | Sequence[QuestionResult]) -> str:
        known = self._encoded
        parts = []
        for element in elements:
            hit = known.get(id(element))
            if hit is not None and hit[0] is element:
                parts.append(hit[1])
            else:
                data = _encode(element)
                self._remember(element, data)
                parts.append(data)
        return (b"[" + b",".join(parts) + b"]").decode()

    def _remember(self, element: object, data: bytes) -> None:
        # Keeping the element alive keeps its id from being reused while it is a key.
        if len(self._encoded) < self.LIMIT:
            self._encoded[id(element)] = (element, data)


def _to_rows(raw: Sequence[Any], documents: _Documents) -> list[GradingRow]:
    with gc_paused():  # thousands of documents decoded at once (see `gc_paused`)
        return _decode_rows(raw, documents)


def _decode_rows(raw: Sequence[Any], documents: _Documents) -> list[GradingRow]:
    ids = _uuids([r[0] for r in raw])
    quizzes_by_key = dict(zip(distinct := list({r[1]: None for r in raw}), _uuids(distinct), strict=True))
    quiz_ids = [quizzes_by_key[r[1]] for r in raw]  # a chunk mostly has one quiz: converted once
    enrollment_ids = _uuids([r[2] for r in raw])
    decode_questions = documents.questions
    rows = []
    for n, (_, _, _, status, passing, questions, answers, results, score, most, bp, passed) in enumerate(raw):
        recorded = results is not None and results != "null"
        manual: list[QuestionResult] = []
        if recorded and _MANUAL_MARK in results:
            manual = [x for x in _decode_results(results) or () if x.graded_by == "manual"]
        # Positional: tens of thousands of rows a second, and keywords cost a third of the construction.
        rows.append(
            GradingRow(
                ids[n],
                quiz_ids[n],
                enrollment_ids[n],
                _STATUSES[status],
                passing,
                decode_questions(questions),
                _decode_answers(answers) or {},
                recorded,
                manual,
                score,
                most,
                bp,
                None if passed is None else bool(passed),
            )
        )
    return rows


def _grade_params(
    grade: GradeWrite, key: Callable[[UUID], Any], at: Any, encode: Callable[[list[Any]], str]
) -> tuple[Any, ...]:
    score = grade.score
    graded = not score.pending_manual
    return (
        None if grade.questions is None else encode(grade.questions),
        encode(grade.results),
        score.score_centi,
        score.max_score_centi,
        score.percentage_bp,
        # As the attempts repository stores it: no pass or fail while a person still has to grade.
        score.is_passed if graded else None,
        _GRADED if graded else _SUBMITTED,
        at if graded else None,
        key(grade.attempt_id),
    )


@dataclass(frozen=True)
class _Statements:
    write_grades: str
    write_open_questions: str
    record_change: str


# Closed attempts only (a submission racing the batch is not overwritten); questions NULL keeps the key.
_SQLITE = _Statements(
    write_grades="UPDATE quiz_attempts SET questions = coalesce(?, questions), results = ?, score_centi = ?, "
    "max_score_centi = ?, percentage_bp = ?, is_passed = ?, status = ?, graded_at = ? "
    "WHERE id = ? AND status != 'in_progress'",
    write_open_questions="UPDATE quiz_attempts SET questions = ? WHERE id = ? AND status = 'in_progress'",
    record_change="INSERT INTO grade_audit (id, attempt_id, quiz_id, reason, old_score_centi, new_score_centi, "
    "old_passed, new_passed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
)
_POSTGRES = _Statements(
    write_grades="UPDATE quiz_attempts SET questions = coalesce($1::jsonb, questions), results = $2::jsonb, "
    "score_centi = $3, max_score_centi = $4, percentage_bp = $5, is_passed = $6, status = $7, graded_at = $8 "
    "WHERE id = $9 AND status != 'in_progress'",
    write_open_questions="UPDATE quiz_attempts SET questions = $1::jsonb WHERE id = $2 AND status = 'in_progress'",
    record_change="INSERT INTO grade_audit (id, attempt_id, quiz_id, reason, old_score_centi, new_score_centi, "
    "old_passed, new_passed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
)


def _uuid_order(value: UUID) -> int:
    return value.int


def _hex(value: UUID) -> str:
    return value.hex


def _same(value: UUID) -> UUID:
    return value


class SqlGradingBatchStore:
    """`GradingBatchStore` on one SQL connection (SQLite or PostgreSQL)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"
        self._sql = _POSTGRES if self._postgres else _SQLITE
        # The hot writes go to the driver as it stores values (`executemany` of plain tuples), skipping
        # SQLAlchemy's per-row parameter processing: ids as hex text on SQLite, UUIDs on PostgreSQL.
        self._driver_id: Callable[[UUID], Any] = _same if self._postgres else _hex
        self._documents = _Documents()

    def _driver_time(self, value: datetime) -> Any:
        """A timestamp as `UtcDateTime` hands it to this database's driver."""
        processor = _a.graded_at.type.dialect_impl(self._c.dialect).bind_processor(self._c.dialect)
        return processor(value) if processor is not None else value

    # -- reading ------------------------------------------------------------------------------------

    async def count_for_quiz(self, quiz_id: UUID) -> int:
        query = select(func.count()).select_from(quiz_attempts).where(_a.quiz_id == quiz_id)
        return int((await self._c.execute(query)).scalar_one())

    async def chunk_for_quiz(self, quiz_id: UUID, *, after: UUID | None, limit: int, lock: bool) -> list[GradingRow]:
        return await self._chunk([_a.quiz_id == quiz_id], after=after, limit=limit, lock=lock)

    async def count_ungraded(self, *, quiz_id: UUID | None, course_id: UUID | None) -> int:
        query = select(func.count()).select_from(quiz_attempts).where(*self._ungraded(quiz_id, course_id))
        return int((await self._c.execute(query)).scalar_one())

    async def chunk_ungraded(
        self, *, quiz_id: UUID | None, course_id: UUID | None, after: UUID | None, limit: int, lock: bool
    ) -> list[GradingRow]:
        return await self._chunk(self._ungraded(quiz_id, course_id), after=after, limit=limit, lock=lock)

    async def by_ids(self, quiz_id: UUID, attempt_ids: Sequence[UUID], *, lock: bool) -> dict[UUID, GradingRow]:
        found: dict[UUID, GradingRow] = {}
        for start in range(0, len(attempt_ids), 1000):
            ids = list(attempt_ids[start : start + 1000])
            query = select(*_ROW_COLUMNS).where(_a.quiz_id == quiz_id, _a.id.in_(ids)).order_by(_a.id)
            for row in _to_rows((await self._c.execute(self._locked(query, lock))).all(), self._documents):
                found[row.id] = row
        return found

    async def results_of(self, attempt_ids: Sequence[UUID]) -> dict[UUID, list[QuestionResult]]:
        found: dict[UUID, list[QuestionResult]] = {}
        for start in range(0, len(attempt_ids), 1000):
            ids = list(attempt_ids[start : start + 1000])
            rows = await self._c.execute(select(_a.id, cast(_a.results, Text)).where(_a.id.in_(ids)))
            for attempt_id, text in rows:
                results = _decode_results(text) if text is not None else None
                if results is not None:
                    found[attempt_id] = results
        return found

    async def owners(self, attempt_ids: Sequence[UUID]) -> dict[UUID, AttemptOwner]:
        found: dict[UUID, AttemptOwner] = {}
        for start in range(0, len(attempt_ids), 1000):
            ids = list(attempt_ids[start : start + 1000])
            rows = await self._c.execute(
                select(_a.id, _a.student_id, users.c.email, users.c.full_name, _a.attempt_number)
                .join(users, users.c.id == _a.student_id)
                .where(_a.id.in_(ids))
            )
            for attempt_id, student_id, email, name, number in rows:
                found[attempt_id] = AttemptOwner(
                    student_id=student_id, email=email, full_name=name, attempt_number=number
                )
        return found

    # -- writing ------------------------------------------------------------------------------------

    async def write_grades(self, grades: Sequence[GradeWrite], *, now: datetime) -> None:
        if not grades:
            return
        key, at = self._driver_id, self._driver_time(now)
        encode = self._documents.encode
        with gc_paused():
            params = [_grade_params(grade, key, at, encode) for grade in grades]
        await self._c.exec_driver_sql(self._sql.write_grades, params)

    async def write_open_questions(self, keys: Sequence[tuple[UUID, list[FrozenQuestion]]]) -> None:
        if keys:
            key = self._driver_id
            encode = self._documents.encode
            params = [(encode(questions), key(attempt_id)) for attempt_id, questions in keys]
            await self._c.exec_driver_sql(self._sql.write_open_questions, params)

    async def record_changes(self, changes: Sequence[GradeChange], *, now: datetime) -> None:
        if not changes:
            return
        key, at = self._driver_id, self._driver_time(now)
        quiz_keys: dict[UUID, Any] = {}
        params = []
        for change in changes:
            old, new = change.old, change.new
            quiz_key = quiz_keys.get(change.quiz_id)
            if quiz_key is None:
                quiz_key = quiz_keys[change.quiz_id] = key(change.quiz_id)
            params.append(
                (
                    key(new_id()),
                    key(change.attempt_id),
                    quiz_key,
                    change.reason,
                    None if old is None else old.score_centi,
                    None if new is None else new.score_centi,
                    # As the audit repository records it: no pass or fail while a person still has to grade.
                    None if old is None or old.pending_manual else old.is_passed,
                    None if new is None or new.pending_manual else new.is_passed,
                    at,
                )
            )
        await self._c.exec_driver_sql(self._sql.record_change, params)

    async def complete_lesson(self, lesson_id: UUID, enrollment_ids: Sequence[UUID], *, now: datetime) -> list[UUID]:
        if not enrollment_ids:
            return []
        p = lesson_progress.c
        ids = sorted(set(enrollment_ids), key=_uuid_order)  # the same lock order everywhere (and C comparisons)
        if self._postgres:
            # Enrolments before their progress rows, the order every completion path locks in.
            await self._c.execute(
                select(enrollments.c.id).where(enrollments.c.id.in_(ids)).order_by(enrollments.c.id).with_for_update()
            )
        done = set(
            (
                await self._c.execute(
                    select(p.enrollment_id).where(
                        p.lesson_id == lesson_id, p.enrollment_id.in_(ids), p.status == _LESSON_COMPLETED
                    )
                )
            ).scalars()
        )
        todo = [enrollment_id for enrollment_id in ids if enrollment_id not in done]
        if not todo:
            return []
        dialect_insert = postgresql.insert if self._postgres else sqlite.insert
        await self._c.execute(
            dialect_insert(lesson_progress).on_conflict_do_nothing(index_elements=["enrollment_id", "lesson_id"]),
            [
                {
                    "id": new_id(),
                    "enrollment_id": enrollment_id,
                    "lesson_id": lesson_id,
                    "status": ProgressStatus.NOT_STARTED.value,
                    "time_spent_seconds": 0,
                    "last_position_seconds": 0,
                    "completion_bp": 0,
                    "attempts_count": 0,
                }
                for enrollment_id in todo
            ],
        )
        at = bindparam("b_now", now, type_=p.completed_at.type)
        await self._c.execute(
            update(lesson_progress)
            .where(p.lesson_id == lesson_id, p.enrollment_id.in_(todo), p.status != _LESSON_COMPLETED)
            .values(
                status=_LESSON_COMPLETED,
                completion_bp=FULL,
                completed_at=func.coalesce(p.completed_at, at),
                started_at=func.coalesce(p.started_at, at),
            )
        )
        return todo

    # -- helpers ------------------------------------------------------------------------------------

    def _ungraded(self, quiz_id: UUID | None, course_id: UUID | None) -> list[ColumnElement[bool]]:
        conditions = [_a.status == _SUBMITTED, _no_results()]
        if quiz_id is not None:
            conditions.append(_a.quiz_id == quiz_id)
        if course_id is not None:
            conditions.append(_a.quiz_id.in_(select(quizzes.c.id).where(quizzes.c.course_id == course_id)))
        return conditions

    async def _chunk(
        self, conditions: list[ColumnElement[bool]], *, after: UUID | None, limit: int, lock: bool
    ) -> list[GradingRow]:
        if after is not None:
            conditions = [*conditions, _a.id > after]
        query = select(*_ROW_COLUMNS).where(and_(*conditions)).order_by(_a.id).limit(limit)
        return _to_rows((await self._c.execute(self._locked(query, lock))).all(), self._documents)

    def _locked(self, query: Select[Any], lock: bool) -> Select[Any]:
        # SQLite has no row locks; its writer transaction (BEGIN IMMEDIATE) already excludes other writers.
        return query.with_for_update(of=quiz_attempts) if lock and self._postgres else query
