@leadsquared @creates_accounts @mailbox
Feature: LeadSquared: a portal user resets a forgotten password
  A portal user asks for a reset link (Forgot Password). The link, sent by e-mail or text message,
  carries the lead id and a temporary password; the API response never does. The portal page sends
  both with the new password (Reset Password, on its older or its v2 path), and the user signs in
  with it. A link works once, for 24 hours, only for its own lead, and only the newest one counts.

  Background:
    Given a LeadSquared account with e-mail "alice@example.com" and password "Old-Passw0rd!"

  Scenario: A portal user resets the password with the link from the e-mail
    When a password reset is requested for "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {"Status": "Success", "Message": "Reset link sent successfully"}
      """
    And "alice@example.com" receives an e-mail with a reset link
    And the response reveals neither the lead id nor the temporary password
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    And the response field "IsSuccessful" is true
    And "alice@example.com" can sign in with password "New-Passw0rd!"
    And "alice@example.com" can no longer sign in with password "Old-Passw0rd!"

  Scenario Outline: The lead is found <how>
    When a reset link is requested for "alice@example.com" <how>
    Then the response status is 200
    And "alice@example.com" receives <delivery> with a reset link
    When the reset is completed with the link from the <delivery kind> and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"

    Examples:
      | how                                               | delivery       | delivery kind |
      | by its EmailAddress field                         | an e-mail      | e-mail        |
      | by its Phone field                                | an e-mail      | e-mail        |

    @sms
    Examples: by text message
      | how                                               | delivery       | delivery kind |
      | by its Phone field, to be sent to its Phone field | a text message | text message  |

  Scenario: The link works only once
    Given "alice@example.com" has requested a password reset and received the e-mail
    And the reset was completed with the link from the e-mail and the new password "First-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "Second-Passw0rd!"
    Then the response status is 400
    And the response is in the LeadSquared error shape
    And the response field "ExceptionType" is "MXInvalidTemporaryPasswordException"
    And "alice@example.com" can still sign in with password "First-Passw0rd!"

  @clock
  Scenario Outline: The link works for 24 hours
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the clock moves forward <hours> hours
    And the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is <status>

    Examples:
      | hours | status |
      | 23    | 200    |
      | 24    | 400    |

  Scenario: A newer reset link replaces the older one
    Given "alice@example.com" has requested a password reset and received the e-mail
    And "alice@example.com" has requested another password reset and received the e-mail
    When the reset is completed with the link from the first e-mail and the new password "New-Passw0rd!"
    Then the response status is 400
    And the response field "ExceptionType" is "MXInvalidTemporaryPasswordException"
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  Scenario: One lead's link cannot reset another lead's password
    Given a LeadSquared account with e-mail "bob@example.com" and password "Bobs-Passw0rd!"
    And "alice@example.com" has requested a password reset and received the e-mail
    When the reset for "bob@example.com" is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 400
    And the response field "ExceptionType" is "MXInvalidTemporaryPasswordException"
    And "bob@example.com" can still sign in with password "Bobs-Passw0rd!"
