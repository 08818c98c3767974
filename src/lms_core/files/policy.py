"""Who may do what with uploaded files.

A public file is downloadable by anyone. A private one by its uploader and admins and, when it is
attached to a course, by the course's instructor and its enrolled learners (active or completed).
Anyone else is told the file does not exist (404), so file ids reveal nothing. Only the uploader or an
admin deletes a file; others who may see it get 403. Attaching a file to a course is for the course's
managers (`courses.access.managed_course` decides).

Publishing (uploading with `is_public`) is open to instructors and admins for anything; learners publish
only what the school's `PublishingRules` allow (by default images of at most 2 MiB), and are refused with
403 `files.publishing_not_allowed` otherwise.
"""

from __future__ import annotations

from lms_core.files.entities import FileType, PublishingRules, UploadedFile
from lms_core.files.errors import NotFileOwner, PublishingNotAllowed, file_not_found
from lms_core.shared.actor import Actor, Role


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


def publishes_freely(actor: Actor) -> bool:
    """Instructors (who manage courses) and admins publish any file the upload limits accept."""
    return actor.is_admin or actor.role is Role.INSTRUCTOR


def learner_publishing_limit(actor: Actor, rules: PublishingRules, file_type: FileType) -> int | None:
    """The largest public upload of `file_type` the caller may make: None when only the upload limits
    apply; `PublishingNotAllowed` for a type the caller may not publish at all. The type is known from the
    content's first bytes, so a refused type is refused before anything is stored."""
    if publishes_freely(actor):
        return None
    if not rules.allows_learner_type(file_type):
        allowed = sorted(t.value for t in rules.learner_types)
        raise PublishingNotAllowed(
            f"learners may publish only {', '.join(allowed) or 'nothing'}; upload {file_type.value} files "
            "privately instead",
            details={"field": "is_public", "file_type": file_type.value, "allowed_types": allowed},
        )
    return rules.learner_max_bytes


def publishing_too_large(file_type: FileType, limit: int) -> PublishingNotAllowed:
    return PublishingNotAllowed(
        f"learners may publish {file_type.value} files of at most {limit} bytes; upload it privately instead",
        details={"field": "is_public", "file_type": file_type.value, "limit_bytes": limit},
    )
