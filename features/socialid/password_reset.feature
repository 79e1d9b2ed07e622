@socialid @creates_accounts
Feature: Social ID: a user resets a forgotten password
  The Login App asks Social ID to e-mail the user a reset link (or asks for the reset token and sends
  its own e-mail). The user follows the link and chooses a new password. A reset token works once,
  for 24 hours, and only the newest one counts.

  Background:
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"

  @mailbox
  Scenario: A user resets the password with the link from the e-mail
    When a password reset is requested for "alice@example.com"
    Then the response status is 201
    And the response body is empty
    And "alice@example.com" receives an e-mail with a reset link
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 201
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  @mailbox
  Scenario Outline: The user is found by <lookup>
    When a password reset e-mail is requested for "alice@example.com" by <lookup>
    Then the response status is 201
    And "alice@example.com" receives an e-mail with a reset link
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 201
    And "alice@example.com" can sign in with password "New-Passw0rd!"

    Examples:
      | lookup         |
      | username       |
      | e-mail address |

  @mailbox
  Scenario: The Login App gets the reset token and sends its own e-mail
    When a reset token is requested for "alice@example.com"
    Then the response status is 201
    And the response holds a reset token for "alice@example.com"
    And the outbox holds no message for "alice@example.com"
    When the reset is completed with that token and the new password "New-Passw0rd!"
    Then the response status is 201
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  @mailbox
  Scenario: The link works only once
    Given "alice@example.com" has requested a password reset and received the e-mail
    And the reset was completed with the link from the e-mail and the new password "First-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "Second-Passw0rd!"
    Then the response status is 404
    And the response is in the Social ID error shape
    And "alice@example.com" can still sign in with password "First-Passw0rd!"

  @mailbox @clock
  Scenario Outline: The link works for 24 hours
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the clock moves forward <hours> hours
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is <status>

    Examples:
      | hours | status |
      | 23    | 201    |
      | 24    | 403    |

  @mailbox @clock
  Scenario: An expired link is refused in the Social ID error shape
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the clock moves forward 25 hours
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 403
    And the response is in the Social ID error shape
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

  @mailbox
  Scenario: A newer reset e-mail replaces the older link
    Given "alice@example.com" has requested a password reset and received the e-mail
    And "alice@example.com" has requested another password reset and received the e-mail
    When the reset is completed with the link from the first e-mail and the new password "New-Passw0rd!"
    Then the response status is 404
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 201
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  @mailbox
  Scenario: The new password needs at least 6 characters
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the reset is completed with the link from the e-mail and the new password "Abc1!"
    Then the response status is 422
    And the response is in the Social ID error shape
    And the response field "error" is "unprocessable_entity"
    And the response field "errors.0.attribute" is "password"
    And the response field "errors.0.code" is "too_short"
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
