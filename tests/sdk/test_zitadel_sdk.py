"""The official ZITADEL Python SDK (zitadel-client, Connect paths) against the mock, at the root and under /zitadel."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

# authlib (imported by the SDK) installs an "always" filter for its own deprecation warning when first imported,
# which overrides pytest's filterwarnings: import it first, then silence the SDK's import of authlib.jose.
with warnings.catch_warnings():
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    import zitadel_client
from zitadel_client.exceptions import ApiError
from zitadel_client.models import (
    SessionServiceCheckPassword,
    SessionServiceChecks,
    SessionServiceCheckUser,
    SessionServiceCreateSessionRequest,
    UserServiceAddHumanUserRequest,
    UserServiceGetUserByIDRequest,
    UserServicePassword,
    UserServicePasswordResetRequest,
    UserServiceSendPasswordResetLink,
    UserServiceSetHumanEmail,
    UserServiceSetHumanProfile,
    UserServiceSetPasswordRequest,
)

from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors.zitadel import ACCESS_TOKEN, ORG_ID

pytestmark = pytest.mark.zitadel
OLD = "Old-Passw0rd!"
NEW = "N3w-Passw0rd!"


@dataclass
class Served:
    """A running mock and the base URL the SDK is given (a plain http:// URL, with or without a path prefix)."""

    mock: LiveMock
    base_url: str

    def sdk(self) -> zitadel_client.Zitadel:
        return zitadel_client.Zitadel.with_access_token(self.base_url, ACCESS_TOKEN)


@pytest.fixture(scope="module", params=["at the root", "under /zitadel"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    if request.param == "at the root":
        settings = Settings(port=0, strict=True, vendors=("zitadel",), mount_at_root=True)
    else:
        settings = Settings(port=0, strict=True)
    with start_live_mock(settings) as mock:
        yield Served(mock, mock.url if settings.mount_at_root else f"{mock.url}/zitadel")
        assert not mock.env.violations, "\n".join(mock.env.violations)


def add_user(sdk: zitadel_client.Zitadel) -> tuple[str, str]:
    """A new verified user with the password OLD; answers (user id, e-mail)."""
    email = f"sdk.{uuid.uuid4().hex[:10]}@example.com"
    request = UserServiceAddHumanUserRequest(
        profile=UserServiceSetHumanProfile(givenName="Sam", familyName="Kit"),
        email=UserServiceSetHumanEmail(email=email, isVerified=True),
        password=UserServicePassword(password=OLD),
    )
    response = sdk.users.add_human_user(request)
    assert response.user_id is not None
    return response.user_id, email


def sign_in(sdk: zitadel_client.Zitadel, user_id: str, password: str) -> str | None:
    checks = SessionServiceChecks(
        user=SessionServiceCheckUser(userId=user_id), password=SessionServiceCheckPassword(password=password)
    )
    return sdk.sessions.create_session(SessionServiceCreateSessionRequest(checks=checks)).session_token


def test_add_human_user_creates_a_user_the_sdk_reads_back(served: Served) -> None:
    sdk = served.sdk()
    user_id, email = add_user(sdk)
    user = sdk.users.get_user_by_id(UserServiceGetUserByIDRequest(userId=user_id)).user
    assert user is not None and user.user_id == user_id
    assert user.human is not None and user.human.email is not None and user.human.email.email == email


def test_a_returned_code_sets_the_new_password_and_only_it_signs_in(served: Served) -> None:
    sdk = served.sdk()
    user_id, _ = add_user(sdk)
    reset = sdk.users.password_reset(UserServicePasswordResetRequest(userId=user_id, returnCode={}))
    assert reset.verification_code is not None and len(reset.verification_code) == 6
    sdk.users.set_password(
        UserServiceSetPasswordRequest(
            userId=user_id, newPassword=UserServicePassword(password=NEW), verificationCode=reset.verification_code
        )
    )
    assert sign_in(sdk, user_id, NEW)
    with pytest.raises(ApiError) as refused:
        sign_in(sdk, user_id, OLD)
    assert refused.value.code == 400


def test_send_link_puts_the_rendered_url_template_in_the_outbox(served: Served) -> None:
    sdk = served.sdk()
    user_id, email = add_user(sdk)
    template = "https://app.example/reset?user={{.UserID}}&code={{.Code}}&org={{.OrgID}}"
    sdk.users.password_reset(
        UserServicePasswordResetRequest(userId=user_id, sendLink=UserServiceSendPasswordResetLink(urlTemplate=template))
    )
    message = served.mock.env.outbox.latest(vendor="zitadel", to=email)
    assert message is not None and message.token is not None
    assert message.link == f"https://app.example/reset?user={user_id}&code={message.token}&org={ORG_ID}"


def test_an_unknown_user_raises_the_sdks_not_found_error(served: Served) -> None:
    with pytest.raises(ApiError) as not_found:
        served.sdk().users.password_reset(UserServicePasswordResetRequest(userId="399999999999999999", returnCode={}))
    assert not_found.value.code == 404
    assert isinstance(not_found.value.response_body, dict) and not_found.value.response_body["code"] == "not_found"
