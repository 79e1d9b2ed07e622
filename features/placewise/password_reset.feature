@placewise @creates_accounts @mailbox
Feature: Placewise: a member resets a forgotten password
  A loyalty club member who forgot the password asks the club for a reset message, by e-mail or by
  text message, follows the link in it and chooses a new password. The link works once, for one
  hour, and only the newest link counts.

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
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  @sms
  Scenario: A member asks for the reset link by text message
    When a password reset is requested for the mobile number of "alice@example.com"
    Then the response status is 200
    And "alice@example.com" receives a text message with a reset link
    When the reset is completed with the link from the text message and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  Scenario Outline: The v3 API sends the reset token to the member's <identifier>
    When a password reset token is requested through the v3 API for the <identifier> of "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" receives <delivery> with a reset link
    When the reset is completed with the link from the <delivery kind> and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"

    Examples:
      | identifier     | delivery       | delivery kind |
      | e-mail address | an e-mail      | e-mail        |

    @sms
    Examples: by text message
      | identifier     | delivery       | delivery kind |
      | mobile number  | a text message | text message  |

  Scenario: The link works only once
    Given "alice@example.com" has requested a password reset and received the e-mail
    And the reset was completed with the link from the e-mail and the new password "First-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "Second-Passw0rd!"
    Then the response status is 463
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid confirmation token"
    And "alice@example.com" can still sign in with password "First-Passw0rd!"
    And "alice@example.com" cannot sign in with password "Second-Passw0rd!"

  @clock
  Scenario Outline: The link works for one hour
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the clock moves forward <minutes> minutes
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is <status>

    Examples:
      | minutes | status |
      | 59      | 200    |
      | 60      | 463    |

  Scenario: A newer reset message replaces the older link
    Given "alice@example.com" has requested a password reset and received the e-mail
    And "alice@example.com" has requested another password reset and received the e-mail
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
