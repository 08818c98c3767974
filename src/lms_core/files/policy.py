"""Who may do what with uploaded files.

A public file is downloadable by anyone. A private one by its uploader and admins and, when it is
attached to a course, by the course's instructor and its enrolled learners (active or completed).
Anyone else is told the file does not exist (404), so file ids reveal nothing. Only the uploader or an
admin deletes a file; others who may see it get 403. Attaching a file to a course is for the course's
managers (`courses.access.managed_course` decides).
"""

from __future__ import annotations

from lms_core.files.entities import UploadedFile
from lms_core.files.errors import NotFileOwner, file_not_found
from lms_core.shared.actor import Actor


def is_owner_or_admin(actor: Actor, file: UploadedFile) -> bool:
    return actor.is_admin or file.is_uploaded_by(actor.user_id)


def needs_course_check(actor: Actor, file: UploadedFile) -> bool:
    """Whether access depends on the caller's relation to the file's course."""
    return not file.is_public and not is_owner_or_admin(actor, file) and file.course_id is not None


def can_download(actor: Actor, file: UploadedFile, *, manager: bool = False, enrolled: bool = False) -> bool:
    """`manager` and `enrolled` say what the caller is to the file's course (both False without one)."""
    if file.is_public or is_owner_or_admin(actor, file):
        return True
    return file.course_id is not None and (manager or enrolled)


def require_can_delete(actor: Actor, file: UploadedFile, *, visible: bool) -> None:
    if not visible:
        raise file_not_found(file.id)
    if not is_owner_or_admin(actor, file):
        raise NotFileOwner("only the uploader or an admin may delete a file")
