"""File storage adapters: `FsspecFileStorage` for local disk, memory and S3."""

from lms_adapters.storage.fsspec_storage import FsspecFileStorage

__all__ = ["FsspecFileStorage"]
