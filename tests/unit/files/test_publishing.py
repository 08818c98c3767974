"""Publishing files (`is_public`): learners publish only what the school's `PublishingRules` allow,
instructors and admins anything, and a refused upload leaves neither an object nor a row."""

from __future__ import annotations

from typing import Any

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import ConfigurationError, Settings
from lms_core import Actor, Lms
from lms_core.files.commands import ListMyFiles, UploadFile
from lms_core.files.entities import MB, FileType, PublishingRules
from lms_core.files.errors import PublishingNotAllowed
from lms_core.files.events import FileUploaded
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.catalogue import instructor, student
from tests.support.doubles import RecordingMailer
from tests.support.files import MP4, PDF, PNG, chunks_of, collect, memory_objects
from tests.support.flows import create_admin, delivered_events


async def publish(lms: Lms, actor: Actor, data: bytes, **command: Any) -> Any:
    command.setdefault("original_filename", "upload.bin")
    return await lms.files.upload(actor, UploadFile(is_public=True, **command), chunks_of(data, 1000))


def test_the_default_rules_let_learners_publish_small_images_only() -> None:
    rules = PublishingRules()
    assert rules.learner_types == frozenset({FileType.IMAGE})
    assert rules.learner_max_bytes == 2 * MB
    with pytest.raises(ValueError, match="positive"):
        PublishingRules(learner_max_bytes=0)


async def test_a_learner_may_not_publish_a_document_and_nothing_is_stored(lms: Lms, settings: Settings) -> None:
    learner = await student(lms)
    with pytest.raises(PublishingNotAllowed) as refused:
        await publish(lms, learner, PDF)
    assert refused.value.code == "files.publishing_not_allowed"
    assert refused.value.details == {"field": "is_public", "file_type": "document", "allowed_types": ["image"]}
    assert memory_objects(settings) == []
    assert (await lms.files.list_my_files(learner, ListMyFiles())).total == 0
    assert await delivered_events(lms, FileUploaded) == []

    # The same file is fine kept private.
    private = await lms.files.upload(learner, UploadFile(original_filename="notes.pdf"), chunks_of(PDF))
    assert private.is_public is False
    assert memory_objects(settings) == [f"uploads/2026/01/{private.id}.pdf"]


async def test_a_learner_publishes_an_image_up_to_the_limit(database_url: str, clock: FixedClock) -> None:
    settings = make_settings(database_url, files_learner_public_max_bytes=4096)
    async with open_lms(settings, clock=clock, mailer=RecordingMailer()) as lms:
        learner = await student(lms)
        avatar = await publish(lms, learner, PNG + bytes(4096 - len(PNG)), declared_mime_type="image/png")
        assert (avatar.is_public, avatar.file_size) == (True, 4096)
        assert await collect((await lms.files.download(Actor.anonymous(), avatar.id)).content) == PNG + bytes(
            4096 - len(PNG)
        )

        # One byte more: refused as the upload passes the publishing limit, though the image limit is 10 MiB.
        with pytest.raises(PublishingNotAllowed) as refused:
            await publish(lms, learner, PNG + bytes(4097 - len(PNG)), declared_mime_type="image/png")
        assert refused.value.details == {"field": "is_public", "file_type": "image", "limit_bytes": 4096}
        assert memory_objects(settings) == [f"uploads/2026/01/{avatar.id}.png"]
        listed = await lms.files.list_my_files(learner, ListMyFiles())
        assert [file.id for file in listed.items] == [avatar.id]


async def test_instructors_and_admins_publish_anything(lms: Lms, settings: Settings) -> None:
    teacher = await instructor(lms)
    admin = await create_admin(lms)
    video = MP4 + bytes(3 * MB)  # larger than a learner may publish, of a type learners may not publish
    lecture = await publish(lms, teacher, video, declared_mime_type="video/mp4")
    handout = await publish(lms, admin, PDF)
    assert (lecture.is_public, lecture.file_type, lecture.file_size) == (True, "video", len(video))
    assert (handout.is_public, handout.file_type) == (True, "document")
    assert len(memory_objects(settings)) == 2
    assert await collect((await lms.files.download(Actor.anonymous(), handout.id)).content) == PDF


async def test_a_school_tunes_what_learners_publish(database_url: str, clock: FixedClock) -> None:
    settings = make_settings(database_url, files_learner_public_types="image, document")
    async with open_lms(settings, clock=clock, mailer=RecordingMailer()) as lms:
        learner = await student(lms)
        assert (await publish(lms, learner, PDF)).is_public
        with pytest.raises(PublishingNotAllowed) as refused:
            await publish(lms, learner, MP4 + bytes(100), declared_mime_type="video/mp4")
        assert refused.value.details["allowed_types"] == ["document", "image"]

    closed = make_settings(database_url, files_learner_public_types="none")
    async with open_lms(closed, clock=clock, mailer=RecordingMailer()) as lms:
        with pytest.raises(PublishingNotAllowed) as refused:
            await publish(lms, await student(lms, "second@example.com"), PNG, declared_mime_type="image/png")
        assert refused.value.details["allowed_types"] == []
        assert memory_objects(closed) == []


async def test_an_unknown_file_type_in_the_rules_is_a_configuration_error(database_url: str) -> None:
    settings = make_settings(database_url, files_learner_public_types="image,executable")
    with pytest.raises(ConfigurationError, match="executable"):
        async with open_lms(settings, mailer=RecordingMailer()) as lms:
            await lms.files.list_my_files(Actor.anonymous(), ListMyFiles())
