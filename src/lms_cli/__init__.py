"""The operator CLI (`lms`)."""
