"""Addresses of the engine's resources as its HTTP API serves them, for the core modules that hand them out.

The core knows no URL: a file's download address and a certificate's verification address are built here,
from the API's paths and `LMS_PUBLIC_BASE_URL`, and given to the services by the composition root.
"""

from __future__ import annotations

from uuid import UUID

FILE_DOWNLOAD_PATH = "/api/v1/files/download"
CERTIFICATE_VERIFICATION_PATH = "/api/v1/certificates/verify"


class ApiLinks:
    """Implements `files.ports.FileLinks` and `certificates.ports.CertificateLinks`.

    A download address is relative to the API's host (`/api/v1/files/download/{id}`): the client that
    read the file's details calls it where it called the API, with its own credentials. A verification
    address is absolute (`{LMS_PUBLIC_BASE_URL}/api/v1/certificates/verify/{number}`): it is printed on a
    PDF and read by people with no other context.
    """

    def __init__(self, public_base_url: str) -> None:
        self._base_url = public_base_url.rstrip("/")

    def download_url(self, file_id: UUID) -> str:
        return f"{FILE_DOWNLOAD_PATH}/{file_id}"

    def verification_url(self, certificate_number: str) -> str:
        return f"{self._base_url}{CERTIFICATE_VERIFICATION_PATH}/{certificate_number}"
