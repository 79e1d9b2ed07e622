@placewise @creates_accounts @mailbox
Feature: Placewise: a member resets a forgotten password
  A loyalty club member who forgot the password asks the club for a reset token by e-mail (the v3
  member API) or for a reset message by e-mail or text message (the v1 API), follows the link in it
  and chooses a new password for the member the link names. The token works once, for 24 hours
  (one hour from the v1 message), only for its own member, and only the newest one counts; a page
  can check it first without spending it.

  Background:
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"

  Scenario: A member resets the password with the link from the e-mail
    When a password reset is requested for "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" receives an e-mail with a reset link
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  @sms
  Scenario: A member asks for the reset link by text message
    When a reset message is requested through the v1 API for the mobile number of "alice@example.com"
    Then the response status is 200
    And "alice@example.com" receives a text message with a reset link
    When the reset is completed with the link from the text message and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  Scenario: The link works only once
    Given "alice@example.com" has requested a password reset and received the e-mail
    And the reset was completed with the link from the e-mail and the new password "First-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "Second-Passw0rd!"
    Then the response status is 463
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid confirmation token"
    And "alice@example.com" can still sign in with password "First-Passw0rd!"
    And "alice@example.com" cannot sign in with password "Second-Passw0rd!"

  Scenario: A page checks the reset token before it is used, and not after
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the token from the e-mail is checked for "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {"valid": true}
      """
    When the token from the e-mail is checked for "alice@example.com"
    Then the response field "valid" is true
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    When the token from the e-mail is checked for "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {"valid": false}
      """

  Scenario: A member's token is no token of another member
    Given a Placewise account with e-mail "bob@example.com" and password "Bobs-Passw0rd!"
    And "alice@example.com" has requested a password reset and received the e-mail
    When the token from the e-mail is checked for "bob@example.com"
    Then the response field "valid" is false
    When the link from the e-mail is used for "bob@example.com" with the new password "New-Passw0rd!"
    Then the response status is 463
    And the response is in the Placewise error shape
    And "bob@example.com" can still sign in with password "Bobs-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  @clock
  Scenario Outline: The reset token from the v3 API works for 24 hours
    Given "alice@example.com" has requested a password reset token through the v3 API and received the e-mail
    When the clock moves forward <hours> hours
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is <status>

    Examples:
      | hours | status |
      | 23    | 200    |
      | 24    | 463    |

  @clock
  Scenario Outline: The link from the v1 reset message works for one hour
    Given "alice@example.com" has requested a reset message through the v1 API and received the e-mail
    When the clock moves forward <minutes> minutes
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is <status>

    Examples:
      | minutes | status |
      | 59      | 200    |
      | 60      | 463    |

  @clock
  Scenario: An expired token is no longer valid when checked
    Given "alice@example.com" has requested a password reset token through the v3 API and received the e-mail
    When the clock moves forward 24 hours
    And the token from the e-mail is checked for "alice@example.com"
    Then the response field "valid" is false

  Scenario: A newer reset message replaces the older link
    Given "alice@example.com" has requested a password reset and received the e-mail
    And "alice@example.com" has requested another password reset and received the e-mail
    When the token from the first e-mail is checked for "alice@example.com"
    Then the response field "valid" is false
    When the reset is completed with the link from the first e-mail and the new password "New-Passw0rd!"
    Then the response status is 463
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  Scenario: The new password needs at least 8 characters
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the reset is completed with the link from the e-mail and the new password "Short1!"
    Then the response status is 422
    And the response is in the Placewise error shape
    And the response field "details.password.0.error" is "too_short"
    And the response field "details.password.0.options.min_length" is 8
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
