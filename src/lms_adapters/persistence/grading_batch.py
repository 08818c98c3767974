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
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from lms_adapters.persistence.models import enrollments, quiz_attempts, quizzes, users
from lms_core.quizzes.entities import AttemptStatus
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult, Score
from lms_core.quizzes.ports import AttemptClosing, AttemptOwner, GradeWrite, GradingRow
from lms_core.shared.gc_pause import gc_paused

_a = quiz_attempts.c
_SUBMITTED = AttemptStatus.SUBMITTED.value
_GRADED = AttemptStatus.GRADED.value
_IN_PROGRESS = AttemptStatus.IN_PROGRESS.value
_STATUSES = {status.value: status for status in AttemptStatus}

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
    type_coerce(_a.student_id, String),
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
    student_ids = _uuids([r[3] for r in raw])
    decode_questions = documents.questions
    rows = []
    for n, (_, _, _, _, status, passing, questions, answers, results, score, most, bp, passed) in enumerate(raw):
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
                student_ids[n],
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


def _grade_values(
    results: list[QuestionResult], score: Score, at: Any, encode: Callable[[list[Any]], str]
) -> tuple[Any, ...]:
    """The grade columns as the statements list them; status and outcome follow the score (`Score`)."""
    status = score.status
    return (
        encode(results),
        score.score_centi,
        score.max_score_centi,
        score.percentage_bp,
        score.passed,
        status.value,
        at if status is AttemptStatus.GRADED else None,
    )


@dataclass(frozen=True)
class _Statements:
    close: str
    write_grades: str
    write_open_questions: str


# The grade columns come in `_grade_values` order in both statements that write grades.
_SQLITE = _Statements(
    # Only attempts still in progress close: a second closing changes nothing.
    close="UPDATE quiz_attempts SET results = ?, score_centi = ?, max_score_centi = ?, percentage_bp = ?, "
    "is_passed = ?, status = ?, graded_at = ?, answers = ?, submitted_at = ?, time_taken_seconds = ? "
    "WHERE id = ? AND status = 'in_progress'",
    # Closed attempts only (a submission racing the batch is not overwritten); questions NULL keeps the key.
    write_grades="UPDATE quiz_attempts SET questions = coalesce(?, questions), results = ?, score_centi = ?, "
    "max_score_centi = ?, percentage_bp = ?, is_passed = ?, status = ?, graded_at = ? "
    "WHERE id = ? AND status != 'in_progress'",
    write_open_questions="UPDATE quiz_attempts SET questions = ? WHERE id = ? AND status = 'in_progress'",
)
_POSTGRES = _Statements(
    close="UPDATE quiz_attempts SET results = $1::jsonb, score_centi = $2, max_score_centi = $3, "
    "percentage_bp = $4, is_passed = $5, status = $6, graded_at = $7, answers = $8::jsonb, submitted_at = $9, "
    "time_taken_seconds = $10 WHERE id = $11 AND status = 'in_progress'",
    write_grades="UPDATE quiz_attempts SET questions = coalesce($1::jsonb, questions), results = $2::jsonb, "
    "score_centi = $3, max_score_centi = $4, percentage_bp = $5, is_passed = $6, status = $7, graded_at = $8 "
    "WHERE id = $9 AND status != 'in_progress'",
    write_open_questions="UPDATE quiz_attempts SET questions = $1::jsonb WHERE id = $2 AND status = 'in_progress'",
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
        self, *, quiz_id: UUID | None, course_id: UUID | None, after: UUID | None, limit: int
    ) -> list[GradingRow]:
        return await self._chunk(self._ungraded(quiz_id, course_id), after=after, limit=limit, lock=False)

    async def by_ids(
        self, attempt_ids: Sequence[UUID], *, quiz_id: UUID | None = None, lock: bool
    ) -> dict[UUID, GradingRow]:
        found: dict[UUID, GradingRow] = {}
        ordered = sorted(set(attempt_ids), key=_uuid_order)
        for start in range(0, len(ordered), 1000):
            ids = ordered[start : start + 1000]
            conditions = [_a.id.in_(ids)] if quiz_id is None else [_a.quiz_id == quiz_id, _a.id.in_(ids)]
            if lock and self._postgres:
                await self._lock_enrollments(select(_a.enrollment_id).where(*conditions))
            query = select(*_ROW_COLUMNS).where(*conditions).order_by(_a.id)
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

    async def close(self, closings: Sequence[AttemptClosing], *, now: datetime) -> None:
        if not closings:
            return
        key, at = self._driver_id, self._driver_time(now)
        encode = self._documents.encode
        params = [
            (
                *_grade_values(c.results, c.score, at, encode),
                _encode(c.answers).decode(),
                at,
                c.time_taken_seconds,
                key(c.attempt_id),
            )
            for c in closings
        ]
        await self._c.exec_driver_sql(self._sql.close, params)

    async def write_grades(self, grades: Sequence[GradeWrite], *, now: datetime) -> None:
        if not grades:
            return
        key, at = self._driver_id, self._driver_time(now)
        encode = self._documents.encode
        with gc_paused():
            params = [
                (
                    None if g.questions is None else encode(g.questions),
                    *_grade_values(g.results, g.score, at, encode),
                    key(g.attempt_id),
                )
                for g in grades
            ]
        await self._c.exec_driver_sql(self._sql.write_grades, params)

    async def write_open_questions(self, keys: Sequence[tuple[UUID, list[FrozenQuestion]]]) -> None:
        if keys:
            key = self._driver_id
            encode = self._documents.encode
            params = [(encode(questions), key(attempt_id)) for attempt_id, questions in keys]
            await self._c.exec_driver_sql(self._sql.write_open_questions, params)

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
        if lock and self._postgres:
            # The chunk's extent first (ids only, from the index), then its enrolments, then its attempts
            # bounded by that extent: a start racing the job adds an attempt with a later id, and an attempt
            # whose enrolment lock we lack never gets locked.
            extent = (
                (await self._c.execute(select(_a.id).where(and_(*conditions)).order_by(_a.id).limit(limit)))
                .scalars()
                .all()
            )
            if not extent:
                return []
            conditions = [*conditions, _a.id <= extent[-1]]
            await self._lock_enrollments(select(_a.enrollment_id).where(and_(*conditions)))
        query = select(*_ROW_COLUMNS).where(and_(*conditions)).order_by(_a.id).limit(limit)
        return _to_rows((await self._c.execute(self._locked(query, lock))).all(), self._documents)

    async def _lock_enrollments(self, enrollment_ids: Select[Any]) -> None:
        """Lock, in id order and in one statement, the enrolments of the attempts about to be locked: the
        documented lock order puts enrolments before attempts (PostgreSQL only)."""
        e = enrollments.c
        await self._c.execute(select(e.id).where(e.id.in_(enrollment_ids)).order_by(e.id).with_for_update())

    def _locked(self, query: Select[Any], lock: bool) -> Select[Any]:
        # SQLite has no row locks; its writer transaction (BEGIN IMMEDIATE) already excludes other writers.
        return query.with_for_update(of=quiz_attempts) if lock and self._postgres else query
