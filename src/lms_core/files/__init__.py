"""Files: uploads to local disk or S3, downloads with access control."""
