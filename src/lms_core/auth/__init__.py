"""Authentication: registration, sessions (access and refresh tokens), MFA, password reset, email verification."""
