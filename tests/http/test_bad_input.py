"""Bad input is a 4xx problem, never a 500: control characters, deep nesting, absurd prices."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient

from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse, ListCourses
from lms_core.shared.errors import InvalidInputError
from lms_core.users.commands import ListUsers
from tests.http.helpers import PASSWORD, assert_problem, bearer
from tests.support.catalogue import instructor, published_course
from tests.support.files import PDF
from tests.support.flows import create_admin, login_tokens


async def signed_in(lms: Lms, email: str) -> tuple[Actor, dict[str, str]]:
    actor = await instructor(lms, email)
    access, _ = await login_tokens(lms, email)
    return actor, bearer(access)


async def test_nul_in_login_email_is_422(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "a\u0000@b.cd", "password": PASSWORD})
    assert_problem(response, 422, "request.validation_failed")


@pytest.mark.parametrize("name", ["Ada\u0000Lovelace", "Ada\nLovelace", "Ada\u001bLovelace", "Ada\u0085"])
async def test_control_characters_in_a_name_are_422_and_nothing_is_stored(client: AsyncClient, name: str) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD, "full_name": name}
    assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "request.validation_failed")
    # Nothing stored: the same address registers afterwards, and with the name as given.
    created = await client.post("/api/v1/auth/register", json={**body, "full_name": "Ada Lovelace"})
    assert created.status_code == 201, created.text
    assert created.json()["user"]["full_name"] == "Ada Lovelace"


async def test_trailing_newline_in_an_email_is_422(client: AsyncClient) -> None:
    body = {"email": "ada@example.com\n", "password": PASSWORD, "full_name": "Ada"}
    assert_problem(await client.post("/api/v1/auth/register", json=body), 422, "request.validation_failed")


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Intro\u0000"},
        {"title": "Intro", "description": "line one\u0000"},
        {"title": "Intro", "thumbnail_url": "https://example.com/a\u0000.png"},
        {"title": "Intro", "course_metadata": {"tags": ["a\u0000b"]}},
        {"title": "Intro", "course_metadata": {"key\u0000": 1}},
    ],
)
async def test_nul_in_a_course_body_is_422_and_nothing_is_stored(
    lms: Lms, client: AsyncClient, body: dict[str, object]
) -> None:
    actor, headers = await signed_in(lms, "teacher@example.com")
    response = await client.post("/api/v1/courses/", json=body, headers=headers)
    assert_problem(response, 422, "request.validation_failed")
    mine = await client.get(
        "/api/v1/courses/", params={"status": "draft", "instructor_id": str(actor.user_id)}, headers=headers
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 0


async def test_multi_line_text_keeps_line_breaks_and_tabs(lms: Lms, client: AsyncClient) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    description = "First line\r\nSecond line\n\tindented"
    response = await client.post(
        "/api/v1/courses/", json={"title": "Intro", "description": description}, headers=headers
    )
    assert response.status_code == 201, response.text
    stored = await client.get(f"/api/v1/courses/{response.json()['id']}", headers=headers)
    assert stored.json()["description"] == description


async def test_nul_in_a_review_is_422_and_nothing_is_stored(lms: Lms, client: AsyncClient) -> None:
    owner = await instructor(lms, "teacher@example.com")
    course = await published_course(lms, owner, "Reviewed")
    await client.post(
        "/api/v1/auth/register", json={"email": "learner@example.com", "password": PASSWORD, "full_name": "Learner"}
    )
    access, _ = await login_tokens(lms, "learner@example.com")
    enrolled = await client.post("/api/v1/enrollments/", json={"course_id": str(course.id)}, headers=bearer(access))
    assert enrolled.status_code == 201, enrolled.text
    enrollment = enrolled.json()
    response = await client.post(
        f"/api/v1/enrollments/{enrollment['id']}/review",
        json={"rating": 5, "review": "great\u0000"},
        headers=bearer(access),
    )
    assert_problem(response, 422, "request.validation_failed")
    after = await client.get(f"/api/v1/enrollments/{enrollment['id']}", headers=bearer(access))
    assert after.json()["rating"] is None
    assert after.json()["review"] is None


@pytest.mark.parametrize("params", [{"q": "a\u0000b"}, {"category": "prog\u0000"}, {"q": "a\u0007b"}])
async def test_control_characters_in_catalogue_query_parameters_are_422(
    client: AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/api/v1/courses/", params=params)
    assert_problem(response, 422, "request.validation_failed")


async def test_raw_percent_encoded_nul_in_a_query_is_422(client: AsyncClient) -> None:
    response = await client.get("/api/v1/courses/?q=a%00b")
    assert_problem(response, 422, "request.validation_failed")


async def test_nul_in_the_user_search_is_422(lms: Lms, client: AsyncClient) -> None:
    await create_admin(lms)
    access, _ = await login_tokens(lms, "admin@example.com")
    response = await client.get("/api/v1/users/", params={"q": "adm\u0000"}, headers=bearer(access))
    assert_problem(response, 422, "request.validation_failed")


async def test_nul_in_a_certificate_number_path_is_404(client: AsyncClient) -> None:
    response = await client.get("/api/v1/certificates/verify/CERT-%00-1")
    assert_problem(response, 404, "certificates.not_found")


def test_commands_built_in_code_refuse_control_characters() -> None:
    with pytest.raises(InvalidInputError):
        ListCourses(q="a\x00b")
    with pytest.raises(InvalidInputError):
        ListUsers(q="line\nbreak")
    with pytest.raises(InvalidInputError):
        CreateCourse(title="ok", course_metadata={"nested": {"deep": ["\x00"]}})
    # The text `\u0000` itself (a backslash and five characters) is fine.
    assert CreateCourse(title="ok", description="\\u0000").description == "\\u0000"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_a_body_nested_a_thousand_levels_deep_is_400(client: AsyncClient) -> None:
    body = '{"email":"a@b.cd","password":' + nested(1000) + "}"
    response = await client.post("/api/v1/auth/login", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 400, "request.malformed")
    assert "nested too deeply" in problem["detail"]


async def test_deeply_nested_metadata_is_refused_and_nothing_is_stored(lms: Lms, client: AsyncClient) -> None:
    actor, headers = await signed_in(lms, "teacher@example.com")
    body = '{"title":"Deep","course_metadata":{"a":' + nested(5000) + "}}"
    response = await client.post(
        "/api/v1/courses/", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert_problem(response, 400, "request.malformed")
    mine = await client.get(
        "/api/v1/courses/", params={"status": "draft", "instructor_id": str(actor.user_id)}, headers=headers
    )
    assert mine.json()["total"] == 0


def test_a_command_built_in_code_with_absurd_nesting_is_invalid_input() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InvalidInputError, match="nested too deeply"):
        CreateCourse(title="Deep", course_metadata={"a": deep})


# -- Range headers ----------------------------------------------------------------------------------

HUGE = "9" * 5000


async def test_an_absurd_range_on_a_missing_file_is_404_before_the_range_is_read(lms: Lms, client: AsyncClient) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    missing = "/api/v1/files/download/00000000-0000-7000-8000-000000000000"
    for header in [f"bytes=-{HUGE}", f"bytes={HUGE}-", f"bytes=0-{HUGE}"]:
        assert_problem(await client.get(missing, headers={**headers, "Range": header}), 404, "files.not_found")
        assert_problem(await client.get(missing, headers={"Range": header}), 404, "files.not_found")


@pytest.mark.parametrize(
    ("header", "status", "served"),
    [
        (f"bytes=-{HUGE}", 200, PDF),  # too long to be a single range: ignored
        (f"bytes=0-{'9' * 30}", 206, PDF),  # to the end
        (f"bytes=-{'9' * 30}", 206, PDF),  # a suffix longer than the file is the whole file
    ],
)
async def test_absurd_ranges_of_a_real_file_are_served_sensibly(
    lms: Lms, client: AsyncClient, header: str, status: int, served: bytes
) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    uploaded = await client.post(
        "/api/v1/files/upload", files={"file": ("notes.pdf", PDF, "application/pdf")}, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text
    response = await client.get(uploaded.json()["file_url"], headers={**headers, "Range": header})
    assert response.status_code == status, response.text
    assert response.content == served


async def test_a_range_starting_past_any_file_is_416(lms: Lms, client: AsyncClient) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    uploaded = await client.post(
        "/api/v1/files/upload", files={"file": ("notes.pdf", PDF, "application/pdf")}, headers=headers
    )
    response = await client.get(uploaded.json()["file_url"], headers={**headers, "Range": f"bytes={'9' * 30}-"})
    assert_problem(response, 416, "files.range_not_satisfiable")
    assert response.headers["content-range"] == f"bytes */{len(PDF)}"


# -- prices -----------------------------------------------------------------------------------------

ABSURD_PRICES = ["1e28", "9999999999999999999999999999.99", '"1e400"', '"1e28"', '"-1e400"']


@pytest.mark.parametrize("price", ABSURD_PRICES)
async def test_an_absurd_price_at_creation_is_422_and_nothing_is_stored(
    lms: Lms, client: AsyncClient, price: str
) -> None:
    actor, headers = await signed_in(lms, "teacher@example.com")
    body = '{"title": "Priceless", "price": ' + price + "}"
    response = await client.post(
        "/api/v1/courses/", content=body, headers={**headers, "content-type": "application/json"}
    )
    problem = assert_problem(response, 422, "courses.invalid_price")
    assert problem["details"] == {"field": "price"}
    mine = await client.get(
        "/api/v1/courses/", params={"status": "draft", "instructor_id": str(actor.user_id)}, headers=headers
    )
    assert mine.json()["total"] == 0


@pytest.mark.parametrize("price", ABSURD_PRICES)
async def test_an_absurd_price_in_an_update_is_422_and_the_price_stays(
    lms: Lms, client: AsyncClient, price: str
) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    created = await client.post("/api/v1/courses/", json={"title": "Priced", "price": "10.50"}, headers=headers)
    assert created.status_code == 201, created.text
    url = f"/api/v1/courses/{created.json()['id']}"
    response = await client.patch(
        url, content='{"price": ' + price + "}", headers={**headers, "content-type": "application/json"}
    )
    assert_problem(response, 422, "courses.invalid_price")
    assert (await client.get(url, headers=headers)).json()["price"] == "10.50"


async def test_a_price_beyond_any_float_is_a_malformed_body(lms: Lms, client: AsyncClient) -> None:
    # The JSON number itself cannot be decoded (before any field is looked at): a 400, not a 500.
    _, headers = await signed_in(lms, "teacher@example.com")
    response = await client.post(
        "/api/v1/courses/",
        content='{"title": "Priceless", "price": 1e400}',
        headers={**headers, "content-type": "application/json"},
    )
    assert_problem(response, 400, "request.malformed")


# -- missing bodies ---------------------------------------------------------------------------------

SOME_ID = "00000000-0000-7000-8000-000000000000"


async def test_a_revoke_without_a_body_says_what_the_body_must_hold(lms: Lms, client: AsyncClient) -> None:
    await create_admin(lms)
    access, _ = await login_tokens(lms, "admin@example.com")
    response = await client.post(f"/api/v1/certificates/{SOME_ID}/revoke", headers=bearer(access))
    problem = assert_problem(response, 422, "request.body_required")
    assert problem["detail"] == (
        "this request needs a JSON body and it is empty: send a RevokeCertificate object; "
        "its required field is `reason`"
    )
    assert problem["details"] == {
        "media_type": "application/json",
        "schema": "RevokeCertificate",
        "required_fields": ["reason"],
    }


async def test_an_empty_json_login_body_names_both_required_fields(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", content=b"", headers={"content-type": "application/json"})
    problem = assert_problem(response, 422, "request.body_required")
    assert problem["detail"] == (
        "this request needs a JSON body and it is empty: send a Login object; "
        "its required fields are `email`, `password`"
    )


async def test_an_update_without_a_body_says_every_field_is_optional(lms: Lms, client: AsyncClient) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    created = await client.post("/api/v1/courses/", json={"title": "Kept"}, headers=headers)
    url = f"/api/v1/courses/{created.json()['id']}"
    problem = assert_problem(await client.patch(url, headers=headers), 422, "request.body_required")
    assert problem["detail"] == (
        "this request needs a JSON body and it is empty: send an UpdateCourse object; "
        "none of its fields is required (send {} to change nothing)"
    )
    assert problem["details"]["required_fields"] == []
    assert (await client.get(url, headers=headers)).json()["title"] == "Kept"


async def test_an_empty_password_grant_form_says_a_form_body_is_required(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token", content=b"", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    problem = assert_problem(response, 422, "request.body_required")
    assert problem["detail"] == (
        "this request needs an application/x-www-form-urlencoded body and it is empty: send a PasswordGrant "
        "object; its required fields are `password`, `username`"
    )


async def test_a_logout_without_a_body_is_still_fine(lms: Lms, client: AsyncClient) -> None:
    _, headers = await signed_in(lms, "teacher@example.com")
    response = await client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 200, response.text
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_every_operation_with_a_required_body_explains_an_empty_one(client: AsyncClient) -> None:
    """Driven by the API document: each required body, sent empty, names its own schema and required fields."""
    document = (await client.get("/schema/openapi.json")).json()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if not body or not body.get("required") or "multipart/form-data" in body["content"]:
                continue
            media_type, media = next(iter(body["content"].items()))
            name = media["schema"]["$ref"].removeprefix("#/components/schemas/")
            url = re.sub(r"\{[a-z_]+\}", SOME_ID, path)
            response = await client.request(method.upper(), url, content=b"", headers={"content-type": media_type})
            problem = assert_problem(response, 422, "request.body_required")
            required = sorted(document["components"]["schemas"][name].get("required", []))
            assert problem["details"] == {"media_type": media_type, "schema": name, "required_fields": required}
            assert re.search(rf"send an? {name} object", problem["detail"]), problem["detail"]
            checked += 1
    assert checked >= 30
