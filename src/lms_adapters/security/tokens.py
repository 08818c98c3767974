"""Signed access tokens (PyJWT, HS256 pinned) and keyed digests of single-use secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from uuid import UUID

import jwt

from lms_adapters.security.keys import derive_key
from lms_core.auth.errors import InvalidToken
from lms_core.auth.ports import AccessClaims, IssuedAccessToken
from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId, new_id

ALGORITHM = "HS256"
ISSUER = "lms"
AUDIENCE = "lms:access"


class JwtAccessTokenCodec:
    """Implements `AccessTokenCodec`.

    Verified tokens are remembered (token -> claims) in a bounded LRU map, because signature
    checking is the largest fixed cost of an authenticated request. Only a token whose signature was
    checked is ever cached, and expiry is re-checked on every use, so the cache changes no answer.
    Revocation is not this class's job: the auth service checks the denylist and the user each time.
    """

    def __init__(self, secret_key: str, *, ttl_seconds: int = 900, cache_size: int = 10_000) -> None:
        self._key = derive_key(secret_key, "access-token")
        self._ttl = ttl_seconds
        self._cache: OrderedDict[str, AccessClaims] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def issue(
        self, *, user_id: UserId, role: Role, token_version: int, now: datetime, family_id: UUID | None = None
    ) -> IssuedAccessToken:
        issued = now.timestamp()
        claims = AccessClaims(
            user_id=user_id,
            role=role,
            jti=new_id().hex,
            token_version=token_version,
            issued_at=datetime.fromtimestamp(int(issued), UTC),
            expires_at=datetime.fromtimestamp(int(issued) + self._ttl, UTC),
            family_id=family_id,
        )
        payload: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "role": role.value,
            "jti": claims.jti,
            "ver": token_version,
            "iat": int(issued),
            "exp": int(issued) + self._ttl,
        }
        if family_id is not None:
            payload["fam"] = family_id.hex
        return IssuedAccessToken(token=jwt.encode(payload, self._key, algorithm=ALGORITHM), claims=claims)

    def decode(self, token: str, *, now: datetime) -> AccessClaims:
        with self._lock:
            claims = self._cache.get(token)
            if claims is not None:
                self._cache.move_to_end(token)
        if claims is None:
            claims = self._verify(token)
            with self._lock:
                self._cache[token] = claims
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if now >= claims.expires_at:
            raise InvalidToken("the access token has expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            # Expiry is checked against the engine's clock by the caller, not the wall clock here.
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={
                    "require": ["exp", "iat", "sub", "jti", "iss", "aud", "ver"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            return AccessClaims(
                user_id=UserId(UUID(payload["sub"])),
                role=Role(payload["role"]),
                jti=str(payload["jti"]),
                token_version=int(payload["ver"]),
                issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
                family_id=UUID(payload["fam"]) if "fam" in payload else None,
            )
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("the access token is not valid") from exc


class HmacSecretGenerator:
    """Implements `SecretGenerator`: CSPRNG secrets and HMAC-SHA256 digests keyed by the server secret.

    Keying matters for six-digit codes: an unkeyed digest of a code is reversed by trying a million values.
    """

    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "one-time-secret")

    def url_token(self) -> str:
        return secrets.token_urlsafe(32)

    def numeric_code(self, digits: int) -> str:
        return f"{secrets.randbelow(10**digits):0{digits}d}"

    def digest(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, digest: str, secret: str) -> bool:
        return hmac.compare_digest(digest, self.digest(secret))
