@placewise
Feature: Placewise: credentials, tokens and their errors
  Completing a reset, checking a token and signing in need the client token Placewise support issues
  (X-Client-Authorization). Signing in with the password grant returns a member token, which the
  member then shows as a Bearer token. Placewise answers with its own status codes: 460 for a bad
  member token, 461 for bad credentials, 462 for a bad refresh token, 463 for a bad reset token.

  @creates_accounts
  Scenario: An unknown reset token is refused
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When the reset for "alice@example.com" is completed with the token "0123456789abcdef0123456789abcdef" and the new password "New-Passw0rd!"
    Then the response status is 463
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid confirmation token"
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

  @creates_accounts
  Scenario: A reset without a token is refused
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When the reset for "alice@example.com" is completed with the new password "New-Passw0rd!" but no token
    Then the response status is 400
    And the response is in the Placewise error shape
    And the response field "error" is "param is missing or the value is empty: token"

  Scenario: A reset for an address no member has is not found
    Given no Placewise account exists for "nobody@example.com"
    When the reset for "nobody@example.com" is completed with the token "0123456789abcdef0123456789abcdef" and the new password "New-Passw0rd!"
    Then the response status is 404
    And the response is in the Placewise error shape
    And the response field "error" is "Member not found"

  Scenario: A token check knows only the password_reset type
    Given no Placewise account exists for "nobody@example.com"
    When the token "0123456789abcdef" of type "email_change" is checked for "nobody@example.com"
    Then the response status is 400
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid type"

  Scenario: A token check for an address no member has says the token is not valid
    Given no Placewise account exists for "nobody@example.com"
    When the token "0123456789abcdef" of type "password_reset" is checked for "nobody@example.com"
    Then the response status is 200
    And the response body is:
      """
      {"valid": false}
      """

  Scenario: A call without a valid client token is refused
    Given no Placewise account exists for "nobody@example.com"
    When a reset for "nobody@example.com" is completed with the client token "not-a-client-token"
    Then the response status is 401
    And the response is in the Placewise error shape

  Scenario: An unknown loyalty club in the path is not found
    Given no Placewise account exists for "nobody@example.com"
    When a reset for "nobody@example.com" is completed in the loyalty club "no-such-club"
    Then the response status is 404
    And the response is in the Placewise error shape
    And the response field "error" is "Loyalty club not found"

  @creates_accounts
  Scenario: A wrong password is refused
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When "alice@example.com" signs in with password "Wrong-Passw0rd!"
    Then the response status is 461
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid credentials"

  Scenario: An unknown member gets the same answer as a wrong password
    Given no Placewise account exists for "nobody@example.com"
    When "nobody@example.com" signs in with password "Any-Passw0rd!"
    Then the response status is 461
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid credentials"

  @creates_accounts
  Scenario: The member token describes the member who signed in
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When "alice@example.com" signs in with password "Old-Passw0rd!"
    Then the response status is 200
    And the response field "token_type" is "bearer"
    And the response field "expires_in" is 86400
    When the token info is requested with the access token from that sign-in
    Then the response status is 200
    And the token belongs to "alice@example.com"

  @creates_accounts
  Scenario: A refresh token gives a new member token
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When "alice@example.com" signs in with password "Old-Passw0rd!"
    And a member token is requested with the refresh token from that sign-in
    Then the response status is 200
    And the token belongs to "alice@example.com"

  Scenario: An invalid member token is refused
    When the token info is requested with the access token "not-a-member-token"
    Then the response status is 460
    And the response is in the Placewise error shape

  Scenario: An unknown refresh token is refused
    When a member token is requested with the refresh token "not-a-refresh-token"
    Then the response status is 462
    And the response is in the Placewise error shape
