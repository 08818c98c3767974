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
        """Create a student or instructor account and sign it in (201). In the private registration mode
        (`LMS_REGISTRATION_MODE=private`) the answer is 202 for new and taken addresses alike, and the
        account signs in once its e-mail address is verified."""
        if lms.auth.registration_is_private:
            return Response(await lms.auth.request_registration(anonymous, data), status_code=202)
        return Response(await lms.auth.register(anonymous, data), status_code=201)

    @post("/login", status_code=200, responses=problems(401, 422, 429))
    async def login(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[Login]
    ) -> LoginResponse:
        """Sign in with email and password. With MFA on, answers `mfa_required` and an `mfa_token`."""
        return await lms.auth.login(anonymous, data)

    @post("/token", status_code=200, responses=problems(401, 422, 429))
    async def token(
        self,
        lms: NamedDependency[Lms],
        anonymous: NamedDependency[Actor],
        data: Annotated[PasswordGrant, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> TokenPair:
        """OAuth2 password grant (form-encoded `username`, `password`), for OpenAPI clients."""
        return await lms.auth.token(anonymous, data)

    @post("/login/mfa", status_code=200, responses=problems(401, 422, 429))
    async def login_mfa(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[MfaLogin]
    ) -> LoginResponse:
        """Finish an MFA sign-in with the emailed 6-digit code."""
        return await lms.auth.login_mfa(anonymous, data)

    @post("/refresh", status_code=200, responses=problems(401, 422, 429))
    async def refresh(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[RefreshSession]
    ) -> TokenPair:
        """Exchange a refresh token for a new pair; the old refresh token stops working."""
        return await lms.auth.refresh(anonymous, data)

    @post(
        "/logout",
        status_code=200,
        responses=problems(401, 422),
        security=SIGNED_IN,
        operation_class=OptionalBodyOperation,
    )
    async def logout(
        self, request: Request[Any, Any, Any], lms: NamedDependency[Lms], data: JSONBody[Logout | None] = None
    ) -> Acknowledgement:
        """Revoke the refresh token (if given) and the access token used for this call."""
        return await lms.auth.logout(bearer_token(request), data or Logout())

    @post("/forgot-password", status_code=202, responses=problems(422, 429))
    async def forgot_password(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ForgotPassword]
    ) -> Acknowledgement:
        """Email a reset link if the account exists. The answer is the same either way."""
        return await lms.auth.forgot_password(anonymous, data)

    @post("/reset-password", status_code=200, responses=problems(422, 429))
    async def reset_password(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ResetPassword]
    ) -> Acknowledgement:
        """Set a new password with the emailed token; every session of the account ends."""
        return await lms.auth.reset_password(anonymous, data)

    @post("/verify-email/request", status_code=202, responses=problems(401, 422, 429), security=SIGNED_IN)
    async def request_email_verification(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]
    ) -> Acknowledgement:
        """Email a new verification link to the signed-in user."""
        return await lms.auth.request_email_verification(actor)

    @post("/verify-email/confirm", status_code=200, responses=problems(422, 429))
    async def confirm_email_verification(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], data: JSONBody[ConfirmEmail]
    ) -> UserView:
        """Confirm an email address with the token from the verification link."""
        return await lms.auth.confirm_email_verification(anonymous, data)

    @post("/mfa/enable/request", status_code=202, responses=problems(401, 422, 429), security=SIGNED_IN)
    async def request_mfa_enable(self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]) -> Acknowledgement:
        """Email a code that confirms turning MFA on."""
        return await lms.auth.request_mfa_enable(actor)

    @post("/mfa/enable/confirm", status_code=200, responses=problems(401, 422), security=SIGNED_IN)
    async def confirm_mfa_enable(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[ConfirmMfa]
    ) -> UserView:
        """Turn MFA on with the emailed code."""
        return await lms.auth.confirm_mfa_enable(actor, data)

    @post("/mfa/disable", status_code=200, responses=problems(401, 422, 429), security=SIGNED_IN)
    async def disable_mfa(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[DisableMfa]
    ) -> UserView:
        """Turn MFA off; needs the current password."""
        return await lms.auth.disable_mfa(actor, data)

    @get("/me", responses=problems(401), security=SIGNED_IN)
    async def me(self, request: Request[Any, Any, Any], lms: NamedDependency[Lms]) -> UserView:
        """The signed-in user."""
        return await lms.auth.me(bearer_token(request))
