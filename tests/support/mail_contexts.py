"""Realistic contexts for every e-mail template, as the engine's modules record them."""

from __future__ import annotations

from lms_core.emails.entities import EmailContext, EmailTemplate

BASE_URL = "https://lms.example.com"
COURSE_ID = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
CERTIFICATE_ID = "0193a1b2-c3d4-7e5f-8a9b-aaaaaaaaaaaa"
CERTIFICATE_NUMBER = "CERT-20260305-1A2B3C4D"
COURSE_LINK = f"{BASE_URL}/api/v1/courses/{COURSE_ID}"
DOWNLOAD_LINK = f"{BASE_URL}/api/v1/certificates/{CERTIFICATE_ID}/download"
VERIFY_LINK = f"{BASE_URL}/api/v1/certificates/verify/{CERTIFICATE_NUMBER}"
UNSUBSCRIBE_LINK = f"{BASE_URL}/unsubscribe?token=0193a1b2c3d47e5f8a9b0c1d2e3f4a5b-weekly_progress-Zm9v&x=1"


def course_contexts(full_name: str, course_title: str) -> dict[EmailTemplate, EmailContext]:
    """The course e-mails' contexts (notifications and payments) for a learner and a course."""
    return {
        EmailTemplate.COURSE_ENROLLED: {
            "full_name": full_name,
            "course_title": course_title,
            "course_link": COURSE_LINK,
        },
        EmailTemplate.COURSE_COMPLETED: {
            "full_name": full_name,
            "course_title": course_title,
            "course_link": COURSE_LINK,
        },
        EmailTemplate.CERTIFICATE_ISSUED: {
            "full_name": full_name,
            "course_title": course_title,
            "certificate_number": CERTIFICATE_NUMBER,
            "download_link": DOWNLOAD_LINK,
            "verify_link": VERIFY_LINK,
        },
        EmailTemplate.WEEKLY_PROGRESS: {
            "full_name": full_name,
            "week": "2026-W10",
            "courses": [
                {
                    "title": course_title,
                    "progress": "37.50",
                    "completed_lessons": "3",
                    "total_lessons": "8",
                    "link": COURSE_LINK,
                },
                {
                    "title": "Statistics 101",
                    "progress": "0.00",
                    "completed_lessons": "0",
                    "total_lessons": "12",
                    "link": f"{BASE_URL}/api/v1/courses/0193a1b2-c3d4-7e5f-8a9b-bbbbbbbbbbbb",
                },
            ],
            "unsubscribe_link": UNSUBSCRIBE_LINK,
        },
        EmailTemplate.COURSE_REMINDER: {
            "full_name": full_name,
            "course_title": course_title,
            "course_link": COURSE_LINK,
            "progress": "37.50",
            "inactive_days": "9",
            "unsubscribe_link": UNSUBSCRIBE_LINK,
        },
        EmailTemplate.PAYMENT_RECEIPT: {
            "full_name": full_name,
            "course_title": course_title,
            "amount": "49.00",
            "currency": "USD",
            "receipt_number": "RCPT-2026-000042",
            "paid_on": "5 March 2026",
            "course_link": COURSE_LINK,
        },
    }
