"""HTTP routes of accounts: sign up, sign in, sign out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.accounts import passwords as password_links
from server.accounts import profile, service
from server.accounts import signup as signup_links
from server.accounts.models import (
    AccountUpdate,
    LoginIn,
    MePublic,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetRequested,
    PasswordSetIn,
    SignedInPublic,
    SignupConfirmIn,
    SignupIn,
    SignupRequested,
    UserPublic,
)
from server.accounts.service import SignedIn
from server.credentials import SESSION_COOKIE, bearer_token
from server.deps import (
    AppClock,
    AppPasswords,
    AppSettings,
    CurrentUser,
    DbSession,
    NoticeKinds,
)
from server.http_errors import error_responses
from server.settings import Settings
from server.transient import RetryingRoute

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["accounts"],
    responses=error_responses(422),
)


def _deliver(response: Response, settings: Settings, signed: SignedIn) -> SignedInPublic:
    """The token in the body (API clients) and in an HttpOnly cookie (the browser)."""
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        expires=signed.expires_at,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
        path="/",
    )
    return SignedInPublic(token=signed.token, user=UserPublic.of(signed.user))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/signup",
    status_code=202,
    summary="Sign up: a link to finish the account is mailed (the same answer for any address)",
    responses=error_responses(422, 503),
)
async def signup(
    body: SignupIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    passwords: AppPasswords,
) -> SignupRequested:
    await signup_links.request_sign_up(db, clock, passwords, body, settings.public_url)
    return SignupRequested(email=body.email)


@router.post(
    "/auth/signup/confirm",
    summary="Finish a sign-up with the mailed link's token: the account is made, signed in",
    responses=error_responses(422),
)
async def signup_confirm(
    body: SignupConfirmIn,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
) -> SignedInPublic:
    signed = await signup_links.confirm_sign_up(db, clock, body.token)
    return _deliver(response, settings, signed)


@router.post(
    "/auth/login",
    summary="Sign in: a session token, also set as a cookie",
    responses=error_responses(401, 429),
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    passwords: AppPasswords,
) -> SignedInPublic:
    signed = await service.sign_in(
        db, clock, passwords, body.email, body.password, _address(request)
    )
    return _deliver(response, settings, signed)


@router.post(
    "/auth/password-reset",
    status_code=202,
    summary="Mail me a link to choose a new password (the same answer for any address)",
)
async def password_reset(
    body: PasswordResetIn, db: DbSession, clock: AppClock, settings: AppSettings
) -> PasswordResetRequested:
    await password_links.request_reset(db, clock, body.email, settings.public_url, body.language)
    return PasswordResetRequested(email=body.email)


@router.post(
    "/auth/password",
    summary="Choose a password with a mailed link's token, and sign in (other sessions end)",
)
async def password_set(
    body: PasswordSetIn,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    hasher: AppPasswords,
) -> SignedInPublic:
    signed = await password_links.choose_password(db, clock, hasher, body.token, body.password)
    return _deliver(response, settings, signed)


@router.post(
    "/auth/logout",
    status_code=204,
    summary="Sign out: the session is revoked",
    responses=error_responses(403),
)
async def logout(request: Request, db: DbSession, clock: AppClock, _user: CurrentUser) -> Response:
    # CurrentUser is asked for its checks: a cookie from another site may not sign you out.
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if token:
        await service.sign_out(db, clock, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(
    "/me",
    response_model=MePublic,
    summary="The signed-in person and their roles",
    responses=error_responses(401),
)
async def me(user: CurrentUser, db: DbSession) -> MePublic:
    return await profile.me(db, service.require_user(user))


@router.patch(
    "/me",
    response_model=MePublic,
    summary="Change my name, language, zone or which notices I get by mail",
    responses=error_responses(401, 403),
)
async def update_me(
    body: AccountUpdate, user: CurrentUser, db: DbSession, kinds: NoticeKinds
) -> MePublic:
    return await profile.update_account(db, service.require_user(user), body, kinds=kinds)


@router.post(
    "/me/password",
    status_code=204,
    response_class=Response,
    summary="Change my password (my other sessions end)",
    responses=error_responses(401, 403),
)
async def change_password(
    request: Request,
    body: PasswordChangeIn,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
    hasher: AppPasswords,
) -> Response:
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    await profile.change_password(db, clock, hasher, service.require_user(user), body, token)
    return Response(status_code=204)
