"""docs/api-guide.md runs: every request it shows is sent in order, and every response it shows is what the API
answers, by the rules the guide states ("How to read this guide")."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from lms_adapters.settings import Settings
from lms_core import Lms, QuestionType
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api-guide.md"

ANY = "…"  # a value that varies from run to run; as a key, "more fields, not shown"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD) (/\S*)$")
_STATUS_LINE = re.compile(r"^HTTP/1\.1 (\d{3}) .+$")


@dataclass(frozen=True)
class Exchange:
    """One request of the guide and the response it documents."""

    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: Any
    line: int


def _message(text: str) -> tuple[str, dict[str, str], str | None]:
    """A start line, headers up to the first blank line, and the body after it (if any)."""
    head, _, body = text.strip("\n").partition("\n\n")
    start, *header_lines = head.splitlines()
    headers = {}
    for header in header_lines:
        name, separator, value = header.partition(":")
        assert separator, f"not a header: {header!r}"
        headers[name.strip().lower()] = value.strip()
    return start, headers, body.strip() or None


def guide_exchanges() -> list[Exchange]:
    """The guide's ```http blocks: each request followed by its response."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in re.finditer(r"```http\n(.*?)```", text, re.S)]
    assert len(blocks) % 2 == 0, "every request in the guide is followed by its response"
    exchanges = []
    for (line, request), (_, response) in zip(blocks[::2], blocks[1::2], strict=True):
        start, headers, body = _message(request)
        found = _REQUEST_LINE.match(start)
        assert found, f"docs/api-guide.md:{line}: not a request line: {start!r}"
        status_line, response_headers, response_body = _message(response)
        status = _STATUS_LINE.match(status_line)
        assert status, f"docs/api-guide.md:{line}: the request is not followed by a response: {status_line!r}"
        exchanges.append(
            Exchange(
                method=found.group(1),
                path=found.group(2),
                headers=headers,
                body=body,
                status=int(status.group(1)),
                response_headers=response_headers,
                response_body=None if response_body is None else json.loads(response_body),
                line=line,
            )
        )
    return exchanges


@dataclass
class Matcher:
    """Compares a documented body with a real one, binding `{name}` placeholders on first sight."""

    bound: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def fill(self, text: str) -> str:
        """A request's text with every placeholder replaced by the value bound to it."""

        def value(found: re.Match[str]) -> str:
            assert found.group(1) in self.bound, f"{{{found.group(1)}}} is used before a response gave it"
            return str(self.bound[found.group(1)])

        return _PLACEHOLDER.sub(value, text)

    def match(self, documented: Any, real: Any, where: str) -> None:
        if documented == ANY:
            return
        if isinstance(documented, str) and _PLACEHOLDER.search(documented):
            whole = _PLACEHOLDER.fullmatch(documented)
            if whole and whole.group(1) not in self.bound:
                if real is None or real == "":
                    self.problems.append(f"{where}: {documented} would capture {real!r}")
                self.bound[whole.group(1)] = real
                return
            documented = self.fill(documented)
        if isinstance(documented, dict) and isinstance(real, dict):
            shown = {key for key in documented if key != ANY}
            expected_keys = shown if ANY in documented else set(documented)
            if (ANY in documented and not shown <= set(real)) or (ANY not in documented and shown != set(real)):
                self.problems.append(f"{where}: fields {sorted(expected_keys)} documented, {sorted(real)} answered")
            for key in (key for key in documented if key in shown and key in real):
                self.match(documented[key], real[key], f"{where}.{key}")
        elif isinstance(documented, list) and isinstance(real, list):
            if len(documented) != len(real):
                self.problems.append(f"{where}: {len(documented)} items documented, {len(real)} answered")
            for index, (doc_item, real_item) in enumerate(zip(documented, real, strict=False)):
                self.match(doc_item, real_item, f"{where}[{index}]")
        elif type(documented) is not type(real) or documented != real:
            self.problems.append(f"{where}: {documented!r} documented, {real!r} answered")


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The permissive renderer: the guide issues a certificate, and reportlab draws it in a fraction of borb's time.
    return make_settings(database_url, certificate_renderer="reportlab")


async def test_every_request_of_the_guide_gets_the_documented_response(client: httpx.AsyncClient, lms: Lms) -> None:
    exchanges = guide_exchanges()
    assert len(exchanges) >= 20, "docs/api-guide.md has lost its walkthrough"
    matcher = Matcher()
    for exchange in exchanges:
        where = f"docs/api-guide.md:{exchange.line} {exchange.method} {exchange.path}"
        headers = {name: matcher.fill(value) for name, value in exchange.headers.items()}
        content = None if exchange.body is None else matcher.fill(exchange.body).encode()
        # What a served engine's background worker does between a reader's requests (the certificate is
        # issued from the completion's event).
        await lms.outbox.drain()
        response = await client.request(exchange.method, matcher.fill(exchange.path), headers=headers, content=content)
        assert response.status_code == exchange.status, f"{where}: {response.status_code} {response.text}"
        for name, value in exchange.response_headers.items():
            assert response.headers.get(name, "").split(";")[0] == value, f"{where}: {name}: {response.headers}"
        if exchange.response_body is None:
            assert response.content == b"", f"{where}: a body was answered but none is documented"
            continue
        matcher.match(exchange.response_body, response.json(), where)
        assert not matcher.problems, "\n".join(matcher.problems)


def test_the_guide_adds_a_question_of_every_type_and_answers_each() -> None:
    exchanges = guide_exchanges()
    added = [json.loads(e.body) for e in exchanges if e.path.endswith("/questions") and e.body is not None]
    assert {question["question_type"] for question in added} == set(QuestionType), added
    # Both ways of giving a multiple-choice key: one option, and a list of them.
    choices = [question for question in added if question["question_type"] == QuestionType.MULTIPLE_CHOICE]
    assert {"correct_answer" in question for question in choices} == {True, False}, choices
    (submission,) = [e for e in exchanges if e.path.endswith("/submit")]
    assert submission.body is not None
    assert len(json.loads(submission.body)["answers"]) == len(added)


def test_the_matcher_binds_compares_and_elides_as_the_guide_says() -> None:
    matcher = Matcher()
    matcher.match({"id": "{course_id}", "title": "T", ANY: ANY}, {"id": "c1", "title": "T", "slug": "t"}, "a")
    matcher.match({"course_id": "{course_id}", "at": ANY}, {"course_id": "c1", "at": "2025-01-01"}, "b")
    matcher.match({"path": "/courses/{course_id}"}, {"path": "/courses/c1"}, "c")
    assert (matcher.problems, matcher.bound) == ([], {"course_id": "c1"})
    matcher.match({"n": 1, "id": "{course_id}"}, {"id": "c2", "n": True, "extra": 0}, "d")
    matcher.match({"items": [ANY, ANY]}, {"items": [1]}, "e")
    assert matcher.problems == [
        "d: fields ['id', 'n'] documented, ['extra', 'id', 'n'] answered",
        "d.n: 1 documented, True answered",
        "d.id: 'c1' documented, 'c2' answered",
        "e.items: 2 items documented, 1 answered",
    ]


def test_the_readme_links_the_guide_where_it_says_how_to_use_the_engine() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    using_it = readme.split("## Using it", 1)[1].split("\n## ", 1)[0]
    assert "(docs/api-guide.md)" in using_it
