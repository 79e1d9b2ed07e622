@placewise @creates_accounts
Feature: Placewise: a signed-in member changes the password and signs out
  A member signed in with the password grant holds a member token: an access token (sent as
  `Authorization: Bearer`) and a refresh token. With it the member changes the password, after
  giving the current one (a wrong one is 464 and changes nothing). Revoking the token, by either
  half, ends both: afterwards the access token answers 460 and the refresh token 462.

  Background:
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    And "alice@example.com" has signed in with password "Old-Passw0rd!"

  Scenario: A member changes the password with the current one
    When "alice@example.com" changes the password from "Old-Passw0rd!" to "New-Passw0rd!"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  Scenario: A wrong current password changes nothing
    When "alice@example.com" changes the password from "Wrong-Passw0rd!" to "New-Passw0rd!"
    Then the response status is 464
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid current password"
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
    And "alice@example.com" cannot sign in with password "New-Passw0rd!"

  Scenario: A changed password needs at least 8 characters too
    When "alice@example.com" changes the password from "Old-Passw0rd!" to "Short1!"
    Then the response status is 422
    And the response is in the Placewise error shape
    And the response field "details.password.0.error" is "too_short"
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

  Scenario: Changing the password needs the member token
    When the password is changed from "Old-Passw0rd!" to "New-Passw0rd!" without a member token
    Then the response status is 401
    And the response is in the Placewise error shape
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

  Scenario: The signed-in member is shown with the channels it has
    When the signed-in member is shown
    Then the response status is 200
    And the member shown has the e-mail address of "alice@example.com"
    And the response field "email_status" is "enabled"
    And the response field "sms_status" is "enabled"

  Scenario Outline: Revoking the member token by its <half> token ends both halves
    When the member token is revoked by its <half> token
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    When the token info is requested with the access token from that sign-in
    Then the response status is 460
    And the response is in the Placewise error shape
    When a member token is requested with the refresh token from that sign-in
    Then the response status is 462
    And the response is in the Placewise error shape
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

    Examples:
      | half    |
      | access  |
      | refresh |

  Scenario: Revoking a token nobody holds answers the same empty object
    When the token "not-a-member-token" is revoked
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    When the token info is requested with the access token from that sign-in
    Then the response status is 200
