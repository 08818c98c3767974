"""Who may do what with quizzes and attempts.

A quiz is seen by whoever sees its course, once it is published; its course's managers (its instructor
and admins) see it always and alone author it, grade its attempts and run its batch jobs. An attempt is
seen by its student and the course's managers; to anyone else it does not exist (404), and only its
student answers it (403 for the others who see it). Hidden things are reported as missing, never as
forbidden, so an id reveals nothing.

A quiz's questions are course content, read like a lesson's content (`courses.policy.may_read_lesson_content`):
its course's learners (active or completed enrolment) and managers read them, and so does anyone who
sees the quiz when its lesson is a preview lesson. Anyone else who sees the quiz gets 403
(`quizzes.questions_for_learners`): the quiz itself is public, only its content is not, so the refusal
reveals nothing the quiz list does not.
"""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.entities import Course, Lesson
from lms_core.courses.policy import (
    CourseAccess,
    can_see_course,
    is_course_manager,
    may_read_lesson_content,
    require_course_manager,
)
from lms_core.quizzes.entities import Attempt, Quiz
from lms_core.quizzes.errors import (
    AttemptNotFound,
    NotAttemptOwner,
    NotQuizManager,
    QuestionsForLearnersOnly,
    QuizNotFound,
)
from lms_core.shared.actor import Actor


def can_see_quiz(actor: Actor, course: Course, quiz: Quiz, *, enrolled: bool) -> bool:
    """Published quizzes of a course the caller sees; unpublished ones to the course's managers only."""
    return can_see_course(actor, course, enrolled=enrolled) and (quiz.is_published or is_course_manager(actor, course))


def require_can_see_quiz(actor: Actor, course: Course, quiz: Quiz, *, enrolled: bool) -> None:
    """A quiz hidden from the caller is missing, so that a 403 never reveals an unpublished one."""
    if not can_see_quiz(actor, course, quiz, enrolled=enrolled):
        raise quiz_not_found(quiz.id)


def require_may_read_questions(access: CourseAccess, quiz: Quiz, lesson: Lesson) -> None:
    """Question text is course content, opened like the content of the quiz's lesson. Call it once the
    quiz is known to be visible to the caller (`require_can_see_quiz`), so that the 403 is given only
    for a quiz the caller may know of."""
    if not may_read_lesson_content(access, lesson):
        raise QuestionsForLearnersOnly(
            "a quiz's questions are for the course's learners and managers; enrol to read them",
            details={"quiz_id": str(quiz.id), "course_id": str(access.course.id)},
        )


def require_quiz_manager(actor: Actor, course: Course) -> None:
    """Authoring and batch jobs on a course's quizzes: its instructor or an admin."""
    require_course_manager(actor, course)


def can_read_attempt(actor: Actor, attempt: Attempt, course: Course) -> bool:
    return is_attempt_owner(actor, attempt) or is_course_manager(actor, course)


def require_can_read_attempt(actor: Actor, attempt: Attempt, course: Course) -> None:
    """An attempt is seen by its student, the course's instructor and admins; to others it does not exist."""
    if not can_read_attempt(actor, attempt, course):
        raise attempt_not_found(attempt.id)


def is_attempt_owner(actor: Actor, attempt: Attempt) -> bool:
    return actor.user_id is not None and actor.user_id == attempt.student_id


def require_attempt_owner(actor: Actor, attempt: Attempt, course: Course) -> None:
    """Answering an attempt: its student only (its other readers get 403)."""
    require_can_read_attempt(actor, attempt, course)
    if not is_attempt_owner(actor, attempt):
        raise NotAttemptOwner("only the student who started the attempt answers it")


def require_attempt_grader(actor: Actor, attempt: Attempt, course: Course) -> None:
    """Grading an attempt by hand: the course's instructor or an admin."""
    require_can_read_attempt(actor, attempt, course)
    if not is_course_manager(actor, course):
        raise NotQuizManager("only the course's instructor or an admin grades attempts")


def may_see_answer_keys(actor: Actor, course: Course, attempt: Attempt, quiz: Quiz) -> bool:
    """Correct answers and explanations: always to managers; to the student once the attempt is closed
    and the quiz shows them."""
    return is_course_manager(actor, course) or (attempt.is_closed and quiz.show_correct_answers)


def require_grades_every_course(actor: Actor) -> None:
    """Jobs over the attempts of every course (no course or quiz named): admins only."""
    if not actor.is_admin:
        raise NotQuizManager("only admins grade the attempts of every course")


def quiz_not_found(quiz_id: UUID) -> QuizNotFound:
    return QuizNotFound("no such quiz", details={"quiz_id": str(quiz_id)})


def attempt_not_found(attempt_id: UUID) -> AttemptNotFound:
    return AttemptNotFound("no such attempt", details={"attempt_id": str(attempt_id)})
