"""Grading many attempts at once, for operators."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec

from lms_core.courses.policy import require_course_manager
from lms_core.enrollments.completion import refresh_and_complete
from lms_core.quizzes.base import QuizServiceBase
from lms_core.quizzes.commands import ExportGrades, GradePending, ImportedGrade, ImportGrades, RegradeQuiz
from lms_core.quizzes.entities import AttemptStatus, Question, QuestionType, Quiz, QuizType
from lms_core.quizzes.errors import InvalidGrade, NotQuizManager, QuizNotFound
from lms_core.quizzes.grading import (
    FrozenQuestion,
    QuestionResult,
    Score,
    grade_answers,
    grade_question,
    keep_manual_grades,
    summarize,
)
from lms_core.quizzes.ports import AttemptOwner, GradeChange, GradeWrite, GradingRow
from lms_core.quizzes.views import (
    GradeChangeView,
    GradeImportReport,
    GradeRecordView,
    KeptQuestionView,
    PendingGradingReport,
    RegradeReport,
    percentage_of,
    points_of,
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
REGRADE = "regrade"
GRADE_IMPORT = "grade_import"
# Distinct answers to one question (and distinct frozen copies per chunk) a regrade remembers; free-text
# answers are unbounded.
MEMO_LIMIT = 4096
MAX_FEEDBACK = 5000


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
        tally = _PendingTally()
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
        self, command: GradePending, after: UUID | None, quizzes: dict[UUID, Quiz], tally: _PendingTally
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
        tally: _PendingTally,
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
            key = _AnswerKey(await tx.quiz_questions.list_for_quiz(quiz.id))
            total = await tx.grading_batch.count_for_quiz(quiz.id)
        write = not command.dry_run
        tally = _RegradeTally()
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

    async def _regrade_next(self, quiz: Quiz, key: _AnswerKey, after: UUID | None, write: bool) -> _ChunkOutcome:
        """Regrade the next chunk (ids above `after`) in its own transaction."""
        with gc_paused():
            # The chunk's objects live in the frame of `_regrade_chunk_in`, gone before the collector resumes.
            return await self._regrade_chunk_in(quiz, key, after, write)

    async def _regrade_chunk_in(self, quiz: Quiz, key: _AnswerKey, after: UUID | None, write: bool) -> _ChunkOutcome:
        async with self._uow.begin(write=write) as tx:
            store = tx.grading_batch
            rows = await store.chunk_for_quiz(quiz.id, after=after, limit=CHUNK_SIZE, lock=write)
            if not rows:
                return _ChunkOutcome()
            now = self._clock.now()
            chunk = _regrade_chunk(rows, key, quiz.id)
            if write:
                await store.write_open_questions(chunk.open_keys)
                await store.write_grades(chunk.writes, now=now)
                await store.record_changes(chunk.changes, now=now)
                await self._complete_passes(tx, chunk.new_passes, {quiz.id: quiz}, now)
            flipped = [change.attempt_id for change in chunk.flips]
            owners = await store.owners(flipped) if flipped else {}
            if write:
                await tx.commit()
        return _ChunkOutcome.of(chunk, owners, count=len(rows), last=rows[-1].id)

    # -- importing and exporting --------------------------------------------------------------------

    async def import_grades(self, actor: Actor, command: ImportGrades) -> GradeImportReport:
        """Apply a person's grades from a file: all lines or, if any line is wrong, none."""
        problems: list[tuple[int, str]] = []
        parsed = [grade for grade in (_parse_line(line, problems) for line in command.grades) if grade is not None]
        async with self._uow.begin() as tx:
            quiz, _ = await self._managed_quiz(tx, actor, command.quiz_id)
            store = tx.grading_batch
            ids = list(dict.fromkeys(grade.attempt_id for grade in parsed))
            rows = await store.by_ids(quiz.id, ids, lock=True)
            stored = await store.results_of(list(rows))
            sheets = {attempt_id: _GradeSheet(row, stored.get(attempt_id)) for attempt_id, row in rows.items()}
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
                                           old=_stored_score(sheet.row), new=score))  # fmt: skip
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
                for record in _records(row, results, owners[row.id]):
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


# -- regrading, pure part ----------------------------------------------------------------------------


class _CurrentQuestion:
    """One question of the quiz as it is now, and the grades of the answers seen so far.

    Grading depends on the question's type, key, partial credit and points, never on option order or
    texts, so the grade of an answer is the same for every attempt that the question fits, and
    `grade_question` is asked once per distinct answer (the regrade of a large quiz spends its time on
    the few answers each question gets, over and over).
    """

    __slots__ = ("by_value", "canonical", "correct", "kind", "memo", "option_count", "option_set", "partial", "points",
                 "sid")  # fmt: skip

    def __init__(self, question: Question) -> None:
        self.canonical = question.frozen()
        self.kind = question.question_type.value
        self.sid = str(question.id)
        self.option_set = frozenset(question.options) if question.options is not None else None
        self.option_count = len(question.options or ())
        self.correct = question.correct_answers
        self.partial = question.partial_credit
        self.points = question.points_centi
        # Text and true/false answers, the common case, by value; anything else under (type, value).
        self.by_value: dict[str | bool, QuestionResult] = {}
        self.memo: dict[Hashable, QuestionResult] = {}

    def misfit(self, frozen: FrozenQuestion) -> str | None:
        """Why the current key cannot be applied to this attempt's copy (None when it can): answers
        name options by their text, so a multiple-choice question must still have the same options."""
        if frozen.question_type != self.kind:
            return "its type changed"
        options, known = frozen.options, self.option_set
        if known is not None and (
            options is None or len(options) != self.option_count or not known.issuperset(options)
        ):
            return "its options changed"
        return None

    def grade(self, answer: Any) -> QuestionResult:
        kind = answer.__class__
        if kind is str or kind is bool:
            found = self.by_value.get(answer)
            if found is None:
                found = grade_question(self.canonical, answer)
                if len(self.by_value) < MEMO_LIMIT:
                    self.by_value[answer] = found
            return found
        try:
            memo_key: Hashable = (kind, tuple(answer) if kind is list else answer)
            found = self.memo.get(memo_key)
        except TypeError:  # an unhashable answer (never stored by the engine itself): grade it directly
            return grade_question(self.canonical, answer)
        if found is None:
            found = grade_question(self.canonical, answer)
            if len(self.memo) < MEMO_LIMIT:
                self.memo[memo_key] = found
        return found


_Prepared = tuple[FrozenQuestion, FrozenQuestion, "_CurrentQuestion | None", bool]


class _AnswerKey:
    """The quiz's current answer key, applied to attempts' frozen questions."""

    def __init__(self, questions: list[Question]) -> None:
        # Keyed by the UUID's integer: hashing that is C, `UUID.__hash__` is Python (it shows at 100,000s).
        self._current = {question.id.int: _CurrentQuestion(question) for question in questions}
        # Per frozen question object: the object, its re-keyed copy, its current question (None: it keeps
        # its own key) and whether the copy differs. Stores may hand the same object to many attempts
        # (same question, same option order), and then it is looked at once; reset for every chunk.
        self._prepared: dict[int, _Prepared] = {}
        self.kept: dict[UUID, str] = {}

    def new_chunk(self) -> None:
        self._prepared.clear()

    def _prepare(self, frozen: FrozenQuestion) -> _Prepared:
        current = self._current.get(frozen.question_id.int)
        entry: _Prepared
        why = "it was deleted from the quiz" if current is None else current.misfit(frozen)
        if current is None or why is not None:
            self.kept.setdefault(frozen.question_id, why or "")
            entry = (frozen, frozen, None, False)
        elif (frozen.correct_answers, frozen.partial_credit, frozen.points_centi) == (
            current.correct,
            current.partial,
            current.points,
        ):
            entry = (frozen, frozen, current, False)
        else:
            rekeyed = msgspec.structs.replace(
                frozen, correct_answers=current.correct, partial_credit=current.partial, points_centi=current.points
            )
            entry = (frozen, rekeyed, current, True)
        if len(self._prepared) < MEMO_LIMIT:
            self._prepared[id(frozen)] = entry  # the entry keeps `frozen` alive: its id is not reused
        return entry

    def regrade(self, row: GradingRow) -> tuple[list[FrozenQuestion], bool, list[QuestionResult]]:
        """The attempt's questions re-keyed, whether any changed, and fresh automatic results.

        The hottest loop of a regrade (once per question of every attempt), hence written out flat.
        """
        questions: list[FrozenQuestion] = []
        results: list[QuestionResult] = []
        rekeyed = False
        answers = row.answers
        prepared = self._prepared
        for frozen in row.questions:
            entry = prepared.get(id(frozen))
            if entry is None or entry[0] is not frozen:
                entry = self._prepare(frozen)
            _, question, current, changed = entry
            questions.append(question)
            if changed:
                rekeyed = True
            if current is None:
                results.append(grade_question(question, answers.get(str(question.question_id))))
                continue
            answer = answers.get(current.sid)
            found = current.by_value.get(answer) if answer.__class__ is str else None
            results.append(found if found is not None else current.grade(answer))
        return questions, rekeyed, results


@dataclass
class _Chunk:
    writes: list[GradeWrite] = field(default_factory=list)
    open_keys: list[tuple[UUID, list[FrozenQuestion]]] = field(default_factory=list)
    changes: list[GradeChange] = field(default_factory=list)
    flips: list[GradeChange] = field(default_factory=list)
    new_passes: list[GradingRow] = field(default_factory=list)
    regraded: int = 0


def _regrade_chunk(rows: list[GradingRow], key: _AnswerKey, quiz_id: UUID) -> _Chunk:
    key.new_chunk()
    chunk = _Chunk()
    in_progress = AttemptStatus.IN_PROGRESS
    for row in rows:
        questions, rekeyed, fresh = key.regrade(row)
        if row.status is in_progress:
            if rekeyed:
                chunk.open_keys.append((row.id, questions))
            continue
        chunk.regraded += 1
        results = _kept_manual(fresh, row.manual_results, questions) if row.manual_results else fresh
        score = summarize(questions, results, row.passing_score)
        passed = None if score.pending_manual else score.is_passed
        changed = (row.score_centi, row.max_score_centi, row.percentage_bp, row.is_passed) != (
            score.score_centi,
            score.max_score_centi,
            score.percentage_bp,
            passed,
        )
        # Results are a pure function of the frozen key and the answers: an attempt whose key and score
        # are unchanged has the same results already.
        if rekeyed or changed or not row.results_recorded:
            chunk.writes.append(
                GradeWrite(attempt_id=row.id, results=results, score=score, questions=questions if rekeyed else None)
            )
        if changed:
            change = GradeChange(attempt_id=row.id, quiz_id=quiz_id, reason=REGRADE, old=_stored_score(row), new=score)
            chunk.changes.append(change)
            if row.is_passed is not None and passed is not None and row.is_passed != passed:
                chunk.flips.append(change)
        if passed and row.is_passed is not True:
            chunk.new_passes.append(row)
    return chunk


def _kept_manual(
    fresh: list[QuestionResult], manual: list[QuestionResult], questions: list[FrozenQuestion]
) -> list[QuestionResult]:
    """Grades a person gave stay; one above a question's lowered maximum is capped to it."""
    results = keep_manual_grades(fresh, manual)
    most = {q.question_id: q.points_centi for q in questions}
    return [
        msgspec.structs.replace(r, points_centi=most[r.question_id], is_correct=True)
        if r.graded_by == "manual" and r.points_centi is not None and r.points_centi > most[r.question_id]
        else r
        for r in results
    ]


def _stored_score(row: GradingRow) -> Score | None:
    if row.score_centi is None or row.percentage_bp is None:
        return None
    return Score(
        score_centi=row.score_centi,
        max_score_centi=row.max_score_centi,
        percentage_bp=row.percentage_bp,
        is_passed=bool(row.is_passed),
        pending_manual=row.status is AttemptStatus.SUBMITTED,
    )


@dataclass
class _ChunkOutcome:
    """What a regraded chunk adds to the report (the chunk itself is freed once it is written)."""

    count: int = 0
    last: UUID | None = None
    regraded: int = 0
    changed: int = 0
    open_rekeyed: int = 0
    changes: list[GradeChangeView] = field(default_factory=list)

    @classmethod
    def of(cls, chunk: _Chunk, owners: dict[UUID, AttemptOwner], *, count: int, last: UUID) -> _ChunkOutcome:
        return cls(
            count=count,
            last=last,
            regraded=chunk.regraded,
            changed=len(chunk.changes),
            open_rekeyed=len(chunk.open_keys),
            changes=[_change_view(change, owners[change.attempt_id]) for change in chunk.flips],
        )


@dataclass
class _RegradeTally:
    regraded: int = 0
    changed: int = 0
    open_rekeyed: int = 0
    passed_now: list[GradeChangeView] = field(default_factory=list)
    failed_now: list[GradeChangeView] = field(default_factory=list)

    def add(self, outcome: _ChunkOutcome) -> None:
        self.regraded += outcome.regraded
        self.changed += outcome.changed
        self.open_rekeyed += outcome.open_rekeyed
        for view in outcome.changes:
            (self.passed_now if view.new_passed else self.failed_now).append(view)


def _change_view(change: GradeChange, owner: AttemptOwner) -> GradeChangeView:
    old, new = change.old, change.new
    assert new is not None
    return GradeChangeView(
        attempt_id=change.attempt_id,
        student_id=owner.student_id,
        student_email=owner.email,
        student_name=owner.full_name,
        attempt_number=owner.attempt_number,
        old_score=None if old is None else points_of(old.score_centi),
        new_score=points_of(new.score_centi),
        old_percentage=None if old is None else percentage_of(old.percentage_bp),
        new_percentage=percentage_of(new.percentage_bp),
        old_passed=None if old is None or old.pending_manual else old.is_passed,
        new_passed=None if new.pending_manual else new.is_passed,
    )


@dataclass
class _PendingTally:
    overdue_closed: int = 0
    ungraded_graded: int = 0
    passed: int = 0
    awaiting_manual: int = 0

    def count(self, score: Score) -> None:
        if score.pending_manual:
            self.awaiting_manual += 1
        elif score.is_passed:
            self.passed += 1


# -- importing and exporting, pure part --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ParsedGrade:
    line: int
    attempt_id: UUID
    question_id: UUID
    points_centi: int
    feedback: str | None


def _parse_line(grade: ImportedGrade, problems: list[tuple[int, str]]) -> _ParsedGrade | None:
    """The line's values, or None after recording what is wrong with it."""
    found: list[str] = []
    attempt_id = _uuid(grade.attempt_id, "attempt_id", found)
    question_id = _uuid(grade.question_id, "question_id", found)
    points = _points(grade.points, found)
    feedback = (grade.feedback or "").strip() or None
    if feedback is not None and len(feedback) > MAX_FEEDBACK:
        found.append(f"feedback is longer than {MAX_FEEDBACK} characters")
    if found or attempt_id is None or question_id is None or points is None:
        problems.extend((grade.line, reason) for reason in found)
        return None
    return _ParsedGrade(
        line=grade.line, attempt_id=attempt_id, question_id=question_id, points_centi=points, feedback=feedback
    )


def _uuid(text: str, name: str, found: list[str]) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        found.append(f"{name} {text.strip()!r} is not a UUID" if text.strip() else f"{name} is missing")
        return None


def _points(text: str, found: list[str]) -> int | None:
    """Points as hundredths: a number of at least 0 with at most two decimals."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        found.append(f"points {cleaned!r} is not a number" if cleaned else "points are missing")
        return None
    if not value.is_finite() or value < 0:
        found.append("points must be a number of at least 0")
        return None
    centi = value * 100
    if centi != centi.to_integral_value():
        found.append("points have at most two decimals")
        return None
    return int(centi)


class _GradeSheet:
    """One attempt's results while an import applies grades to it."""

    def __init__(self, row: GradingRow, stored: list[QuestionResult] | None) -> None:
        self.row = row
        self.questions = {q.question_id: q for q in row.questions}
        self.results = stored if stored is not None else grade_answers(row.questions, row.answers)
        self._index = {r.question_id: n for n, r in enumerate(self.results)}
        self._graded: set[UUID] = set()

    def apply(self, grade: _ParsedGrade) -> str | None:
        """Apply the grade, or say why it cannot be."""
        if self.row.status is AttemptStatus.IN_PROGRESS:
            return "the attempt is still in progress"
        question = self.questions.get(grade.question_id)
        if question is None or grade.question_id not in self._index:
            return f"question {grade.question_id} is not part of this attempt"
        if grade.question_id in self._graded:
            return f"question {grade.question_id} of this attempt is graded on an earlier line"
        position = self._index[grade.question_id]
        if self.results[position].graded_by == "auto":
            return "the question is graded automatically (or was not answered); change its key and regrade instead"
        if grade.points_centi > question.points_centi:
            return f"the question is worth {points_of(question.points_centi)} points at most"
        self._graded.add(grade.question_id)
        self.results = list(self.results)
        self.results[position] = QuestionResult(
            question_id=grade.question_id,
            points_centi=grade.points_centi,
            is_correct=grade.points_centi == question.points_centi,
            graded_by="manual",
            feedback=grade.feedback,
        )
        return None


def _records(row: GradingRow, results: list[QuestionResult], owner: AttemptOwner) -> list[GradeRecordView]:
    by_question = {r.question_id: r for r in results}
    records = []
    for question in row.questions:
        result = by_question.get(question.question_id)
        graded_by = "pending" if result is None else result.graded_by
        records.append(
            GradeRecordView(
                attempt_id=row.id,
                question_id=question.question_id,
                points=None if result is None or result.points_centi is None else points_of(result.points_centi),
                feedback=None if result is None else result.feedback,
                max_points=points_of(question.points_centi),
                graded_by=graded_by,
                question_type=QuestionType(question.question_type),
                answer=row.answers.get(str(question.question_id)),
                attempt_number=owner.attempt_number,
                attempt_status=row.status,
                student_id=owner.student_id,
                student_email=owner.email,
                student_name=owner.full_name,
            )
        )
    return records
