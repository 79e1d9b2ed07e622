@socialid
Feature: Social ID: Login App credentials, sign-in and their errors
  The reset e-mail and the reset token need a Login App Token (Bearer), obtained with the
  client_credentials grant. Completing a reset and signing in use the Login App's id and secret
  (HTTP Basic). The login-user calls answer errors Rails-style, {"error": "<status symbol>", "error_description"};
  the token endpoint answers them the OAuth 2.0 way, {"error": "<OAuth code>", "error_description"}.

  Scenario: A reset e-mail needs a Login App token
    Given no Social ID account exists for "nobody@example.com"
    When a password reset e-mail is requested for "nobody@example.com" without a Login App token
    Then the response status is 401
    And the response is in the Social ID error shape

  Scenario: A Login App token that is not valid is refused
    Given no Social ID account exists for "nobody@example.com"
    When a password reset e-mail is requested for "nobody@example.com" with the Login App token "not-a-valid-token"
    Then the response status is 401
    And the response is in the Social ID error shape

  Scenario: Completing a reset needs the Login App's id and secret
    When the reset is completed with wrong Login App credentials
    Then the response status is 401
    And the response is in the Social ID error shape

  Scenario: An unknown reset token is not found
    When the reset is completed with the token "0000000000000000000000000000000000000000000000000000000000000000" and the new password "New-Passw0rd!"
    Then the response status is 404
    And the response is in the Social ID error shape
    And the response field "error" is "not_found"

  @creates_accounts
  Scenario: The Login App gets a token with its client credentials and uses it
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When the Login App asks for a token with its client credentials
    Then the response status is 200
    And the response field "token_type" is "bearer"
    And the response field "expires_in" is 604800
    When a reset token is requested for "alice@example.com" with that Login App token
    Then the response status is 201
    And the response holds a reset token for "alice@example.com"

  Scenario: A wrong Login App secret is an invalid client
    When the Login App asks for a token with a wrong secret
    Then the response status is 401
    And the response is in the Social ID error shape
    And the response field "error" is "invalid_client"

  @creates_accounts
  Scenario: A wrong password is an invalid grant
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When "alice@example.com" signs in with password "Wrong-Passw0rd!"
    Then the response status is 400
    And the response is in the Social ID error shape
    And the response field "error" is "invalid_grant"

  Scenario: An unknown user gets the same answer as a wrong password
    Given no Social ID account exists for "nobody@example.com"
    When "nobody@example.com" signs in with password "Any-Passw0rd!"
    Then the response status is 400
    And the response field "error" is "invalid_grant"

  Scenario: A password sign-in without a password is an invalid request
    Known mock bug: the mock answers "unsupported_grant_type" (mocks/vendors/socialid.py, _oauth_error).

    Given no Social ID account exists for "nobody@example.com"
    When "nobody@example.com" signs in without a password
    Then the response status is 400
    And the response field "error" is "invalid_request"

  Scenario: A password sign-in that names the user twice is an invalid request
    Known mock bug: the mock answers "unsupported_grant_type" (mocks/vendors/socialid.py, _oauth_error).

    Given no Social ID account exists for "nobody@example.com"
    When "nobody@example.com" signs in with both the username and the e-mail address and password "Any-Passw0rd!"
    Then the response status is 400
    And the response field "error" is "invalid_request"

  Scenario: A grant outside this contract is an unsupported grant type
    Known mock bug: the mock answers "invalid_request" (mocks/vendors/socialid.py, _oauth_error).

    When a token is requested with the grant type "refresh_token"
    Then the response status is 400
    And the response field "error" is "unsupported_grant_type"
