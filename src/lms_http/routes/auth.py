"""`/api/v1/auth`: spec section 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Operation, RequestBody
from litestar.params import Body, JSONBody

from lms_core import (
    Acknowledgement,
    Actor,
    AuthResponse,
    ConfirmEmail,
    ConfirmMfa,
    DisableMfa,
    ForgotPassword,
    Lms,
    Login,
    LoginResponse,
    Logout,
    MfaLogin,
    PasswordGrant,
    RefreshSession,
    Register,
    ResetPassword,
    TokenPair,
    UserView,
)
from lms_http.auth import SIGNED_IN, bearer_token, provide_actor, provide_anonymous_actor
from lms_http.errors import problems


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose JSON body may be left out: Litestar marks every body it documents as required."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = {"anonymous": Provide(provide_anonymous_actor), "actor": Provide(provide_actor)}

    @post(
        "/register",
        status_code=201,
        summary="Create an account",
        responses={
            **problems(403, 409, 422, 429),
            202: ResponseSpec(
                Acknowledgement, description="Private registration mode: the same answer for every address"
            ),
        },
    )
    async def register(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[Register]
    ) -> Response[AuthResponse | Acknowledgement]:
        """Anyone creates a student or instructor account and is signed in (201 with the user and a token
        pair); a verification link is e-mailed. In the private registration mode (`LMS_REGISTRATION_MODE=
        private`) the answer is 202 for new and taken addresses alike, and the account signs in once its
        address is verified.

        Errors: 403 `users.role_not_allowed` when asking for the admin role; 409 `users.email_taken` for an
        address already registered (open mode); 422 `users.weak_password` for a password the policy refuses
        (the reason is in `details`), or a body that does not match `Register`; 429 too many registrations
        from this address (`Retry-After`)."""
        if lms.auth.registration_is_private:
            return Response(await lms.auth.request_registration(anonymous, data), status_code=202)
        return Response(await lms.auth.register(anonymous, data), status_code=201)

    @post("/login", status_code=200, summary="Sign in with e-mail and password", responses=problems(401, 403, 422, 429))
    async def login(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[Login]
    ) -> LoginResponse:
        """Anyone exchanges an e-mail address and password for a token pair. With MFA on, no tokens yet: the
        answer says `mfa_required` with an `mfa_token`, a 6-digit code is e-mailed, and `/login/mfa` finishes.

        Errors: 401 `auth.invalid_credentials` for a wrong address or password or a deactivated account (the
        same answer for each); 403 `auth.email_not_verified` in the private registration mode until the address
        is verified; 422 a body that does not match `Login`; 429 too many failed attempts for the
        account or the client address (`Retry-After`)."""
        return await lms.auth.login(anonymous, data)

    @post(
        "/token",
        status_code=200,
        summary="Get tokens with the OAuth2 password grant",
        responses=problems(401, 403, 422, 429),
    )
    async def token(
        self,
        lms: NamedDependency[Lms],
        anonymous: NamedDependency[Actor],
        data: Annotated[PasswordGrant, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> TokenPair:
        """The OAuth2 password grant (form-encoded `username`, the e-mail address, and `password`), for OpenAPI
        tools such as Swagger UI's Authorize button. Anyone may call it; it changes nothing but the sign-in
        counters.

        Errors: 401 `auth.invalid_credentials` for a wrong address or password, or `auth.mfa_required` for an
        account with MFA (which signs in through `/login`); 403 `auth.email_not_verified` in the private
        registration mode until the address is verified; 422 a form without `username` or `password`; 429
        too many failed attempts (`Retry-After`)."""
        return await lms.auth.token(anonymous, data)

    @post(
        "/login/mfa",
        status_code=200,
        summary="Finish an MFA sign-in with the e-mailed code",
        responses=problems(401, 403, 422, 429),
    )
    async def login_mfa(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[MfaLogin]
    ) -> LoginResponse:
        """Anyone holding the `mfa_token` of a `/login` answer sends it with the e-mailed 6-digit code and gets
        the token pair. The code is single-use and expires.

        Errors: 401 `auth.invalid_mfa_code` for a wrong or expired code or token; 403 `auth.email_not_verified`
        in the private registration mode until the address is verified; 422 a body that does not
        match `MfaLogin`; 429 too many wrong codes (`Retry-After`)."""
        return await lms.auth.login_mfa(anonymous, data)

    @post("/refresh", status_code=200, summary="Renew the token pair", responses=problems(401, 422, 429))
    async def refresh(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[RefreshSession]
    ) -> TokenPair:
        """Anyone holding a refresh token exchanges it for a new pair; the old refresh token stops working.
        Presenting an already used refresh token revokes its whole family (a stolen token is useless).

        Errors: 401 `auth.invalid_token` for an unknown, expired, revoked or reused refresh token; 422 a body
        that does not match `RefreshSession`; 429 too many attempts (`Retry-After`)."""
        return await lms.auth.refresh(anonymous, data)

    @post(
        "/logout",
        status_code=200,
        summary="Sign out",
        responses=problems(401, 422),
        security=SIGNED_IN,
        operation_class=OptionalBodyOperation,
    )
    async def logout(
        self, request: Request[Any, Any, Any], lms: NamedDependency[Lms], data: JSONBody[Logout | None] = None
    ) -> Acknowledgement:
        """A signed-in user ends the session: the access token used for this call is revoked at once, and
        the refresh token too when the (optional) body names it.

        Errors: 401 without a valid access token; 422 a body that does not match `Logout`."""
        return await lms.auth.logout(bearer_token(request), data or Logout())

    @post("/forgot-password", status_code=202, summary="E-mail a password reset link", responses=problems(422, 429))
    async def forgot_password(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ForgotPassword]
    ) -> Acknowledgement:
        """Anyone asks for a reset link for an address. If an account has it, a single-use link is e-mailed;
        the answer is the same whether or not it exists, so it tells nobody which addresses are registered.

        Errors: 422 a body that does not match `ForgotPassword`; 429 too many requests for the address or
        from the client (`Retry-After`)."""
        return await lms.auth.forgot_password(anonymous, data)

    @post(
        "/reset-password",
        status_code=200,
        summary="Set a new password with an e-mailed token",
        responses=problems(422, 429),
    )
    async def reset_password(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ResetPassword]
    ) -> Acknowledgement:
        """Anyone holding the token of a reset link sets a new password. Every session of the account ends,
        and the address counts as verified.

        Errors: 422 `auth.invalid_or_expired_token` for a wrong, used or expired token, `users.weak_password`
        for a password the policy refuses (the token stays usable), or a body that does not match
        `ResetPassword`; 429 too many attempts (`Retry-After`)."""
        return await lms.auth.reset_password(anonymous, data)

    @post(
        "/verify-email/request",
        status_code=202,
        summary="E-mail a new verification link",
        responses=problems(401, 422, 429),
        security=SIGNED_IN,
    )
    async def request_email_verification(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]
    ) -> Acknowledgement:
        """A signed-in user whose address is not verified yet gets a new single-use verification link by
        e-mail; earlier links stop working.

        Errors: 401 without a valid access token; 422 `auth.email_already_verified`; 429 too many requests
        (`Retry-After`)."""
        return await lms.auth.request_email_verification(actor)

    @post(
        "/verify-email/confirm",
        status_code=200,
        summary="Confirm an e-mail address",
        responses=problems(422, 429),
    )
    async def confirm_email_verification(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ConfirmEmail]
    ) -> UserView:
        """Anyone holding the token of a verification link marks the account's address verified and gets the
        account back.

        Errors: 422 `auth.invalid_or_expired_token` for a wrong, used or expired token, or a body that does
        not match `ConfirmEmail`; 429 too many attempts (`Retry-After`)."""
        return await lms.auth.confirm_email_verification(anonymous, data)

    @post(
        "/mfa/enable/request",
        status_code=202,
        summary="E-mail a code to turn MFA on",
        responses=problems(401, 422, 429),
        security=SIGNED_IN,
    )
    async def request_mfa_enable(self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]) -> Acknowledgement:
        """A signed-in user without MFA gets a 6-digit code by e-mail, which `/mfa/enable/confirm` takes.

        Errors: 401 without a valid access token; 422 `auth.mfa_already_enabled`; 429 too many requests
        (`Retry-After`)."""
        return await lms.auth.request_mfa_enable(actor)

    @post(
        "/mfa/enable/confirm",
        status_code=200,
        summary="Turn MFA on with the e-mailed code",
        responses=problems(401, 422),
        security=SIGNED_IN,
    )
    async def confirm_mfa_enable(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[ConfirmMfa]
    ) -> UserView:
        """A signed-in user turns MFA on with the code from `/mfa/enable/request`; from then on signing in
        needs an e-mailed code too.

        Errors: 401 without a valid access token, or `auth.invalid_mfa_code` for a wrong or expired code; 422
        a body that does not match `ConfirmMfa`."""
        return await lms.auth.confirm_mfa_enable(actor, data)

    @post(
        "/mfa/disable", status_code=200, summary="Turn MFA off", responses=problems(401, 422, 429), security=SIGNED_IN
    )
    async def disable_mfa(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[DisableMfa]
    ) -> UserView:
        """A signed-in user turns MFA off, confirming with the current password.

        Errors: 401 without a valid access token, or `auth.invalid_credentials` for a wrong password; 422
        `auth.mfa_not_enabled`, or a body that does not match `DisableMfa`; 429 too many wrong passwords
        (`Retry-After`)."""
        return await lms.auth.disable_mfa(actor, data)

    @get("/me", summary="The signed-in user", responses=problems(401), security=SIGNED_IN)
    async def me(self, request: Request[Any, Any, Any], lms: NamedDependency[Lms]) -> UserView:
        """Any signed-in user reads their own account, as the access token names it. Changes nothing.

        Errors: 401 without a valid access token (missing, expired, revoked, or of a deactivated account)."""
        return await lms.auth.me(bearer_token(request))
