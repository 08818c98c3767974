"""Regrading, the pure part: a quiz's current answer key applied to chunks of stored attempts."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec

from lms_core.quizzes._grades import is_new_pass
from lms_core.quizzes.entities import AttemptStatus, Question
from lms_core.quizzes.grading import (
    FrozenQuestion,
    QuestionResult,
    Score,
    grade_question,
    keep_manual_grades,
    summarize,
)
from lms_core.quizzes.ports import AttemptOwner, GradeChange, GradeWrite, GradingRow
from lms_core.quizzes.views import (
    GradeChangeView,
    percentage_of,
    points_of,
)

REGRADE = "regrade"
# Distinct answers to one question (and distinct frozen copies per chunk) a regrade remembers; free-text
# answers are unbounded.
MEMO_LIMIT = 4096


class CurrentQuestion:
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


_Prepared = tuple[FrozenQuestion, FrozenQuestion, "CurrentQuestion | None", bool]


class AnswerKey:
    """The quiz's current answer key, applied to attempts' frozen questions."""

    def __init__(self, questions: list[Question]) -> None:
        # Keyed by the UUID's integer: hashing that is C, `UUID.__hash__` is Python (it shows at 100,000s).
        self._current = {question.id.int: CurrentQuestion(question) for question in questions}
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
class RegradedChunk:
    writes: list[GradeWrite] = field(default_factory=list)
    open_keys: list[tuple[UUID, list[FrozenQuestion]]] = field(default_factory=list)
    changes: list[GradeChange] = field(default_factory=list)
    flips: list[GradeChange] = field(default_factory=list)
    new_passes: list[GradingRow] = field(default_factory=list)
    regraded: int = 0


def regrade_chunk(rows: list[GradingRow], key: AnswerKey, quiz_id: UUID) -> RegradedChunk:
    key.new_chunk()
    chunk = RegradedChunk()
    in_progress = AttemptStatus.IN_PROGRESS
    for row in rows:
        questions, rekeyed, fresh = key.regrade(row)
        if row.status is in_progress:
            if rekeyed:
                chunk.open_keys.append((row.id, questions))
            continue
        chunk.regraded += 1
        results = kept_manual(fresh, row.manual_results, questions) if row.manual_results else fresh
        score = summarize(questions, results, row.passing_score)
        passed = score.passed
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
            change = GradeChange(attempt_id=row.id, quiz_id=quiz_id, reason=REGRADE, old=row.score, new=score)
            chunk.changes.append(change)
            if row.is_passed is not None and passed is not None and row.is_passed != passed:
                chunk.flips.append(change)
        if is_new_pass(row.is_passed, score):
            chunk.new_passes.append(row)
    return chunk


def kept_manual(
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


@dataclass
class ChunkOutcome:
    """What a regraded chunk adds to the report (the chunk itself is freed once it is written)."""

    count: int = 0
    last: UUID | None = None
    regraded: int = 0
    changed: int = 0
    open_rekeyed: int = 0
    changes: list[GradeChangeView] = field(default_factory=list)

    @classmethod
    def of(cls, chunk: RegradedChunk, owners: dict[UUID, AttemptOwner], *, count: int, last: UUID) -> ChunkOutcome:
        return cls(
            count=count,
            last=last,
            regraded=chunk.regraded,
            changed=len(chunk.changes),
            open_rekeyed=len(chunk.open_keys),
            changes=[change_view(change, owners[change.attempt_id]) for change in chunk.flips],
        )


@dataclass
class RegradeTally:
    regraded: int = 0
    changed: int = 0
    open_rekeyed: int = 0
    passed_now: list[GradeChangeView] = field(default_factory=list)
    failed_now: list[GradeChangeView] = field(default_factory=list)

    def add(self, outcome: ChunkOutcome) -> None:
        self.regraded += outcome.regraded
        self.changed += outcome.changed
        self.open_rekeyed += outcome.open_rekeyed
        for view in outcome.changes:
            (self.passed_now if view.new_passed else self.failed_now).append(view)


def change_view(change: GradeChange, owner: AttemptOwner) -> GradeChangeView:
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
        old_passed=None if old is None else old.passed,
        new_passed=new.passed,
    )


@dataclass
class PendingTally:
    overdue_closed: int = 0
    ungraded_graded: int = 0
    passed: int = 0
    awaiting_manual: int = 0

    def count(self, score: Score) -> None:
        if score.passed is None:
            self.awaiting_manual += 1
        elif score.passed:
            self.passed += 1
