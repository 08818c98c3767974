"""The catalogue scenario: `GET /api/v1/courses?category=...&page_size=20` over a seeded catalogue.

The hot figure asks for the same first page again and again: after the first request it comes from the
app's catalogue page cache (keyed by the query, invalidated by every course write), which is the path
the catalogue is meant to take. The cold figure cycles through thousands of different pages of the
same shape (one category filter, 15 to 25 items a page, every full page of every category), each
asked for once before any is asked for again, so that nearly every request misses that cache and pays
for the query itself.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.seed import SeedSummary
from bench.servers import HarnessError, http_request

HOT_CATEGORY = "programming"
PAGE_SIZE = 20
COLD_PAGE_SIZES = range(15, 26)  # a mean of 20 items a page
COURSES = "/api/v1/courses"


def courses_url(base_url: str, **query: object) -> str:
    return f"{base_url}{COURSES}?{urlencode(query)}" if query else f"{base_url}{COURSES}"


def hot_url(base_url: str) -> str:
    return courses_url(base_url, category=HOT_CATEGORY, page_size=PAGE_SIZE)


def cold_urls(base_url: str, seeded: SeedSummary, *, seed: int = 7) -> list[str]:
    """Every full page, for each page size in COLD_PAGE_SIZES, of every category, in a shuffled order.

    The hot page (first page of HOT_CATEGORY at PAGE_SIZE) is left out: it is already in the cache.
    """
    urls = [
        courses_url(base_url, category=category, page_size=size, page=page)
        for category, count in sorted(seeded.courses_by_category.items())
        for size in COLD_PAGE_SIZES
        for page in range(1, count // size + 1)
        if not (category == HOT_CATEGORY and size == PAGE_SIZE and page == 1)
    ]
    random.Random(seed).shuffle(urls)
    return urls


def mean_offset(urls: list[str]) -> float:
    """The mean number of rows a page skips (OFFSET), which SQLite has to read past."""
    offsets = []
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        offsets.append((int(query.get("page", ["1"])[0]) - 1) * int(query.get("page_size", ["20"])[0]))
    return sum(offsets) / len(offsets) if offsets else 0.0


def cold_miss_share(distinct: int, sent: int) -> float:
    """Share of requests that missed the page cache, when `sent` requests cycled through `distinct`
    URLs that were not cached before: only the first request for each URL misses."""
    return min(distinct, sent) / sent if sent else 0.0


def _page(base_url: str, url: str) -> dict[str, Any]:
    status, body = http_request("GET", url)
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise HarnessError(f"GET {url.removeprefix(base_url)} answered {status}: {str(body)[:500]}")
    return body


def check_hot_page(base_url: str, seeded: SeedSummary) -> None:
    """The measured page is the one asked for: 20 published courses of the category, the right total."""
    url = hot_url(base_url)
    body = _page(base_url, url)
    expected_total = seeded.courses_by_category[HOT_CATEGORY]
    items = body["items"]
    if body.get("total") != expected_total or len(items) != PAGE_SIZE:
        raise HarnessError(
            f"GET {url.removeprefix(base_url)}: total {body.get('total')} and {len(items)} items, "
            f"expected total {expected_total} and {PAGE_SIZE} items"
        )
    wrong = [
        item.get("id") for item in items if item.get("category") != HOT_CATEGORY or item.get("status") != "published"
    ]
    if wrong:
        raise HarnessError(f"GET {url.removeprefix(base_url)}: courses outside the filter: {wrong[:3]}")


def verify_seeded(base_url: str, seeded: SeedSummary) -> None:
    """Through the API: the whole catalogue, two category filters and one course in full."""
    everything = _page(base_url, courses_url(base_url, page_size=1))
    if everything.get("total") != seeded.courses:
        raise HarnessError(
            f"GET {COURSES} answered total {everything.get('total')}, expected the {seeded.courses} seeded courses"
        )
    other = next(category for category in sorted(seeded.courses_by_category) if category != HOT_CATEGORY)
    body = _page(base_url, courses_url(base_url, category=other, page_size=5, page=2))
    if body.get("total") != seeded.courses_by_category[other] or len(body["items"]) != 5:
        raise HarnessError(
            f"GET {COURSES}?category={other}: total {body.get('total')} and {len(body['items'])} items, "
            f"expected total {seeded.courses_by_category[other]} and 5 items"
        )
    check_hot_page(base_url, seeded)
    course = everything["items"][0]
    instructor = course.get("instructor")
    if not isinstance(instructor, dict) or instructor.get("id") != course.get("instructor_id"):
        raise HarnessError(f"a seeded course came back without its instructor: {course}")
    status, detail = http_request("GET", f"{base_url}{COURSES}/{course['id']}")
    if status != 200 or not isinstance(detail, dict) or detail.get("id") != course["id"]:
        raise HarnessError(f"GET {COURSES}/{course['id']} answered {status}: {str(detail)[:500]}")
