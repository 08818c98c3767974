"""Grading many attempts at once, for operators."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from lms_core.courses.policy import require_course_manager
from lms_core.enrollments.completion import refresh_and_complete
from lms_core.quizzes.base import QuizServiceBase
from lms_core.quizzes.commands import ExportGrades, GradePending, ImportGrades, RegradeQuiz
from lms_core.quizzes.entities import AttemptStatus, Quiz, QuizType
from lms_core.quizzes.errors import InvalidGrade, NotQuizManager, QuizNotFound
from lms_core.quizzes.grade_import import GRADE_IMPORT, GradeSheet, grade_records, parse_grade_line
from lms_core.quizzes.grading import (
    Score,
    grade_answers,
    keep_manual_grades,
    summarize,
)
from lms_core.quizzes.ports import GradeChange, GradeWrite, GradingRow
from lms_core.quizzes.regrading import AnswerKey, ChunkOutcome, PendingTally, RegradeTally, regrade_chunk, stored_score
from lms_core.quizzes.views import (
    GradeImportReport,
    GradeRecordView,
    KeptQuestionView,
    PendingGradingReport,
    RegradeReport,
)
from lms_core.shared.actor import Actor
from lms_core.shared.ports import Transaction

if TYPE_CHECKING:
    from lms_core.quizzes.entities import Attempt

# Attempts per transaction: large enough that per-statement costs vanish (measured: about 10 % faster
# than 2,000), small enough that a chunk's locks and memory stay modest. On SQLite a chunk holds the
# writer lock for about half a second, which other writers wait out (busy timeout). A crash loses at
# most one chunk's work, which a rerun redoes.
CHUNK_SIZE = 5000
OVERDUE_CHUNK = 200
# Distinct answers to one question (and distinct frozen copies per chunk) a regrade remembers; free-text
# answers are unbounded.


# Told `(done, total)` after each chunk: items processed so far, of how many (the total may grow).
ProgressListener = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk of attempts is processed.

    Decoding and grading a chunk creates hundreds of thousands of small containers that live until the
    chunk is written, and each automatic collection rescans them all: with the collector on, it took
    most of a regrade's CPU. They form no cycles (reference counting frees them) and are gone when the
    pause ends, so the collection that follows is short. A pause spans the chunk's awaits: other tasks
    of the process run meanwhile with cycle collection delayed, never with memory lost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class BatchGrading(QuizServiceBase):
    """Closing overdue attempts, regrading after a key change, importing and exporting grades.

    Rules:
    - these are operator jobs: a quiz's jobs are for its course's instructor and admins (and
      `Actor.system()`); grading pending attempts of every course is for admins;
    - they work in chunks of `CHUNK_SIZE` attempts, each in its own transaction with its rows locked,
      so a run can be interrupted and rerun (a rerun finds nothing left to do for the chunks done);
    - `grade_pending` closes in-progress attempts past their deadline plus grace exactly as a late
      submission would (graded from the saved answers), and grades submitted attempts whose results
      were never recorded;
    - `regrade` re-keys each attempt from the quiz's current questions (answer key, partial credit and
      points; the attempt's own order, option order and texts stay), grades it again, keeps grades a
      person gave (capped at a lowered maximum), and records old and new score in the grade audit for
      each attempt whose score or outcome changed. A question deleted from the quiz, or whose type or
      set of options changed, keeps the key the attempt froze (reported). Attempts still in progress
      get the new key too, so they are graded with it when submitted. `dry_run` changes nothing;
    - a new pass of a graded quiz completes its lesson (and maybe the enrolment, whose
      `EnrollmentCompleted` event is where certificates hook in), as a submission does; a new fail
      never takes a completed lesson or enrolment back (a pass, once granted, may have been acted on);
    - an import applies a person's grades to questions awaiting one (or given one before): every line
      is checked first and one bad line rejects the whole file, with every problem reported by line.
    """

    if TYPE_CHECKING:
        # Provided by `QuizAttempts`, the sibling part of `QuizService`: the one way an attempt is closed.
        async def _close(
            self, tx: Transaction, attempt: Attempt, quiz: Quiz, answers: dict[str, Any], now: datetime
        ) -> Score | None: ...

    # -- grading what is due ------------------------------------------------------------------------

    async def grade_pending(
        self, actor: Actor, command: GradePending, *, progress: ProgressListener | None = None
    ) -> PendingGradingReport:
        """Close and grade overdue attempts and grade submitted attempts never graded."""
        report = progress or _no_progress
        async with self._uow.begin(write=False) as tx:
            quiz_ids = await self._pending_scope(tx, actor, command)
            ungraded = await tx.grading_batch.count_ungraded(quiz_id=command.quiz_id, course_id=command.course_id)
        tally = PendingTally()
        quizzes: dict[UUID, Quiz] = {}
        report(0, ungraded)
        for quiz_id in quiz_ids:
            await self._close_overdue(quiz_id, quizzes, tally, report, ungraded)
        after: UUID | None = None
        while True:
            with gc_paused():
                after, count = await self._grade_ungraded_next(command, after, quizzes, tally)
            if not count:
                break
            tally.ungraded_graded += count
            report(tally.overdue_closed + tally.ungraded_graded, tally.overdue_closed + ungraded)
        return PendingGradingReport(
            overdue_closed=tally.overdue_closed,
            ungraded_graded=tally.ungraded_graded,
            passed=tally.passed,
            awaiting_manual=tally.awaiting_manual,
        )

    async def _grade_ungraded_next(
        self, command: GradePending, after: UUID | None, quizzes: dict[UUID, Quiz], tally: PendingTally
    ) -> tuple[UUID | None, int]:
        """Grade the next chunk of submitted attempts never graded, in its own transaction."""
        async with self._uow.begin() as tx:
            store = tx.grading_batch
            rows = await store.chunk_ungraded(
                quiz_id=command.quiz_id, course_id=command.course_id, after=after, limit=CHUNK_SIZE, lock=True
            )
            if not rows:
                return after, 0
            now = self._clock.now()
            writes: list[GradeWrite] = []
            passes: list[GradingRow] = []
            scores: list[Score] = []
            for row in rows:
                results = keep_manual_grades(grade_answers(row.questions, row.answers), row.manual_results)
                score = summarize(row.questions, results, row.passing_score)
                writes.append(GradeWrite(attempt_id=row.id, results=results, score=score))
                scores.append(score)
                if score.is_passed and not score.pending_manual:
                    passes.append(row)
            await store.write_grades(writes, now=now)
            await self._complete_passes(tx, passes, quizzes, now)
            await tx.commit()
        for score in scores:
            tally.count(score)
        return rows[-1].id, len(rows)

    async def _pending_scope(self, tx: Transaction, actor: Actor, command: GradePending) -> list[UUID | None]:
        """The quizzes to look at (None: every quiz), after checking the caller may grade them."""
        if command.quiz_id is not None:
            quiz, _ = await self._managed_quiz(tx, actor, command.quiz_id)
            if command.course_id is not None and quiz.course_id != command.course_id:
                raise QuizNotFound("no such quiz in this course", details={"quiz_id": str(command.quiz_id)})
            return [quiz.id]
        if command.course_id is not None:
            course = await self._course(tx, command.course_id)
            require_course_manager(actor, course)
            return [quiz.id for quiz in await tx.quizzes.list_for_course(course.id)]
        if not actor.is_admin:
            raise NotQuizManager("only admins grade the attempts of every course")
        return [None]

    async def _close_overdue(
        self,
        quiz_id: UUID | None,
        quizzes: dict[UUID, Quiz],
        tally: PendingTally,
        report: ProgressListener,
        ungraded: int,
    ) -> None:
        """Close overdue attempts in chunks, each exactly as a late submission closes it."""
        while True:
            async with self._uow.begin() as tx:
                now = self._clock.now()
                overdue = await tx.quiz_attempts.expired_open(now, quiz_id=quiz_id, limit=OVERDUE_CHUNK)
                if not overdue:
                    return
                for attempt in overdue:
                    quiz = await self._cached_quiz(tx, attempt.quiz_id, quizzes)
                    score = await self._close(tx, attempt, quiz, attempt.answers, now)
                    if score is not None:
                        tally.count(score)
                        tally.overdue_closed += 1
                await tx.commit()
            report(tally.overdue_closed, tally.overdue_closed + ungraded)

    # -- regrading ----------------------------------------------------------------------------------

    async def regrade(
        self, actor: Actor, command: RegradeQuiz, *, progress: ProgressListener | None = None
    ) -> RegradeReport:
        """Recompute every closed attempt of a quiz after its answer key changed."""
        report = progress or _no_progress
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await self._managed_quiz(tx, actor, command.quiz_id)
            key = AnswerKey(await tx.quiz_questions.list_for_quiz(quiz.id))
            total = await tx.grading_batch.count_for_quiz(quiz.id)
        write = not command.dry_run
        tally = RegradeTally()
        after: UUID | None = None
        done = 0
        report(0, total)
        while True:
            outcome = await self._regrade_next(quiz, key, after, write)
            if not outcome.count:
                break
            tally.add(outcome)
            after = outcome.last
            done += outcome.count
            report(done, max(total, done))
        return RegradeReport(
            quiz_id=quiz.id,
            dry_run=command.dry_run,
            attempts_regraded=tally.regraded,
            attempts_changed=tally.changed,
            fail_to_pass=len(tally.passed_now),
            pass_to_fail=len(tally.failed_now),
            open_attempts_rekeyed=tally.open_rekeyed,
            kept_questions=[KeptQuestionView(question_id=qid, reason=why) for qid, why in key.kept.items()],
            passed_now=tally.passed_now,
            failed_now=tally.failed_now,
        )

    async def _regrade_next(self, quiz: Quiz, key: AnswerKey, after: UUID | None, write: bool) -> ChunkOutcome:
        """Regrade the next chunk (ids above `after`) in its own transaction."""
        with gc_paused():
            # The chunk's objects live in the frame of `_regrade_chunk_in`, gone before the collector resumes.
            return await self._regrade_chunk_in(quiz, key, after, write)

    async def _regrade_chunk_in(self, quiz: Quiz, key: AnswerKey, after: UUID | None, write: bool) -> ChunkOutcome:
        async with self._uow.begin(write=write) as tx:
            store = tx.grading_batch
            rows = await store.chunk_for_quiz(quiz.id, after=after, limit=CHUNK_SIZE, lock=write)
            if not rows:
                return ChunkOutcome()
            now = self._clock.now()
            chunk = regrade_chunk(rows, key, quiz.id)
            if write:
                await store.write_open_questions(chunk.open_keys)
                await store.write_grades(chunk.writes, now=now)
                await store.record_changes(chunk.changes, now=now)
                await self._complete_passes(tx, chunk.new_passes, {quiz.id: quiz}, now)
            flipped = [change.attempt_id for change in chunk.flips]
            owners = await store.owners(flipped) if flipped else {}
            if write:
                await tx.commit()
        return ChunkOutcome.of(chunk, owners, count=len(rows), last=rows[-1].id)

    # -- importing and exporting --------------------------------------------------------------------

    async def import_grades(self, actor: Actor, command: ImportGrades) -> GradeImportReport:
        """Apply a person's grades from a file: all lines or, if any line is wrong, none."""
        problems: list[tuple[int, str]] = []
        parsed = [grade for grade in (parse_grade_line(line, problems) for line in command.grades) if grade is not None]
        async with self._uow.begin() as tx:
            quiz, _ = await self._managed_quiz(tx, actor, command.quiz_id)
            store = tx.grading_batch
            ids = list(dict.fromkeys(grade.attempt_id for grade in parsed))
            rows = await store.by_ids(quiz.id, ids, lock=True)
            stored = await store.results_of(list(rows))
            sheets = {attempt_id: GradeSheet(row, stored.get(attempt_id)) for attempt_id, row in rows.items()}
            for grade in parsed:
                sheet = sheets.get(grade.attempt_id)
                problem = "no such attempt of this quiz" if sheet is None else sheet.apply(grade)
                if problem is not None:
                    problems.append((grade.line, problem))
            if problems:
                problems.sort()
                raise InvalidGrade(
                    f"{len(problems)} line(s) of the grades file are wrong; nothing was imported",
                    details={"problems": [{"line": line, "reason": reason} for line, reason in problems]},
                )
            now = self._clock.now()
            writes: list[GradeWrite] = []
            changes: list[GradeChange] = []
            passes: list[GradingRow] = []
            now_graded = 0
            for sheet in sheets.values():
                score = summarize(sheet.row.questions, sheet.results, sheet.row.passing_score)
                writes.append(GradeWrite(attempt_id=sheet.row.id, results=sheet.results, score=score))
                changes.append(GradeChange(attempt_id=sheet.row.id, quiz_id=quiz.id, reason=GRADE_IMPORT,
                                           old=stored_score(sheet.row), new=score))  # fmt: skip
                if not score.pending_manual:
                    now_graded += sheet.row.status is not AttemptStatus.GRADED
                    if score.is_passed and sheet.row.is_passed is not True:
                        passes.append(sheet.row)
            await store.write_grades(writes, now=now)
            await store.record_changes(changes, now=now)
            await self._complete_passes(tx, passes, {quiz.id: quiz}, now)
            await tx.commit()
        return GradeImportReport(
            quiz_id=quiz.id,
            grades_applied=len(parsed),
            attempts_updated=len(writes),
            attempts_now_graded=now_graded,
            passed_now=len(passes),
        )

    async def export_grades(self, actor: Actor, command: ExportGrades) -> AsyncIterator[GradeRecordView]:
        """Every question of every closed attempt of a quiz with its grade, in attempt order; read in
        chunks, each in its own read transaction."""
        async with self._uow.begin(write=False) as tx:
            quiz, _ = await self._managed_quiz(tx, actor, command.quiz_id)
        after: UUID | None = None
        while True:
            async with self._uow.begin(write=False) as tx:
                store = tx.grading_batch
                rows = await store.chunk_for_quiz(quiz.id, after=after, limit=CHUNK_SIZE, lock=False)
                closed = [row.id for row in rows if row.status is not AttemptStatus.IN_PROGRESS]
                stored = await store.results_of(closed) if closed else {}
                owners = await store.owners(closed) if closed else {}
            if not rows:
                return
            for row in rows:
                if row.status is AttemptStatus.IN_PROGRESS:
                    continue
                results = stored.get(row.id) or grade_answers(row.questions, row.answers)
                for record in grade_records(row, results, owners[row.id]):
                    if not command.pending_only or record.graded_by == "pending":
                        yield record
            after = rows[-1].id

    # -- helpers ------------------------------------------------------------------------------------

    async def _cached_quiz(self, tx: Transaction, quiz_id: UUID, quizzes: dict[UUID, Quiz]) -> Quiz:
        if quiz_id not in quizzes:
            quizzes[quiz_id] = await self._quiz(tx, quiz_id)
        return quizzes[quiz_id]

    async def _complete_passes(
        self, tx: Transaction, passes: list[GradingRow], quizzes: dict[UUID, Quiz], now: datetime
    ) -> None:
        """Complete the quiz lesson of each newly passing attempt's enrolment, then the enrolments whose
        every required lesson is now done: what `_complete_quiz_lesson` does for one attempt, in a few
        statements for a whole chunk."""
        by_quiz: dict[UUID, set[UUID]] = {}
        for row in passes:
            by_quiz.setdefault(row.quiz_id, set()).add(row.enrollment_id)
        for quiz_id, enrollment_ids in by_quiz.items():
            quiz = await self._cached_quiz(tx, quiz_id, quizzes)
            if quiz.quiz_type is not QuizType.GRADED:
                continue  # practice quizzes never count
            newly = await tx.grading_batch.complete_lesson(quiz.lesson_id, list(enrollment_ids), now=now)
            if newly:
                await refresh_and_complete(tx, quiz.course_id, now, enrollment_ids=newly)
