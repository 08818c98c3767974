"""Who may do what with uploaded files.

A public file is downloadable by anyone. A private one by its uploader and admins and, when it is
attached to a course, by the course's instructor and its enrolled learners (active or completed).
Anyone else is told the file does not exist (404), so file ids reveal nothing. Only the uploader or an
admin deletes a file; others who may see it get 403.
"""

from __future__ import annotations

from uuid import UUID

from lms_core.courses.entities import Course
from lms_core.courses.errors import CourseNotFound, NotCourseManager
from lms_core.courses.policy import can_see_course, is_course_manager
from lms_core.files.entities import UploadedFile
from lms_core.files.errors import FileNotFound, NotFileOwner
from lms_core.shared.actor import Actor


def is_owner_or_admin(actor: Actor, file: UploadedFile) -> bool:
    return actor.is_admin or file.is_uploaded_by(actor.user_id)


def needs_course_check(actor: Actor, file: UploadedFile) -> bool:
    """Whether access depends on the caller's relation to the file's course."""
    return not file.is_public and not is_owner_or_admin(actor, file) and file.course_id is not None


def can_download(actor: Actor, file: UploadedFile, *, course: Course | None = None, enrolled: bool = False) -> bool:
    if file.is_public or is_owner_or_admin(actor, file):
        return True
    if course is None or course.id != file.course_id:
        return False
    return enrolled or is_course_manager(actor, course)


def require_can_delete(actor: Actor, file: UploadedFile, *, visible: bool) -> None:
    if not visible:
        raise not_found(file.id)
    if not is_owner_or_admin(actor, file):
        raise NotFileOwner("only the uploader or an admin may delete a file")


def require_can_attach(actor: Actor, course: Course | None, course_id: UUID) -> Course:
    """Files are attached to a course by its instructor or an admin; a hidden course is reported missing."""
    if course is None:
        raise CourseNotFound("no such course", details={"course_id": str(course_id)})
    if not is_course_manager(actor, course):
        if not can_see_course(actor, course, enrolled=False):
            raise CourseNotFound("no such course", details={"course_id": str(course_id)})
        raise NotCourseManager("only the course's instructor or an admin may attach files to it")
    return course


def not_found(file_id: UUID) -> FileNotFound:
    return FileNotFound("no such file", details={"file_id": str(file_id)})
