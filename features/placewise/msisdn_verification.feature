@placewise
Feature: Placewise: a member confirms the mobile number
  The club texts a verification link to the member's mobile number (or, for the mobile app, a deep
  link). Its token confirms that number once, within 30 days; the member's profile then shows the
  SMS channel as verified. The request always answers 204, also for a number no member has.

  @creates_accounts @sms @mailbox
  Scenario: A member confirms the mobile number with the texted link
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a verification of the mobile number of "alice@example.com" is requested
    Then the response status is 204
    And the response body is empty
    And "alice@example.com" receives a text message with a verification link
    When the mobile number of "alice@example.com" is verified with the token from the text message
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And the profile of "alice@example.com" shows the SMS channel as "verified"
    When the mobile number of "alice@example.com" is verified with the token from the text message
    Then the response status is 463
    And the response is in the Placewise error shape

  @creates_accounts
  Scenario: A wrong token confirms nothing
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a verification of the mobile number of "alice@example.com" is requested
    And the mobile number of "alice@example.com" is verified with the token "not-the-texted-token"
    Then the response status is 463
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid verification token"
    And the profile of "alice@example.com" shows the SMS channel as "enabled"

  @creates_accounts
  Scenario: A verification without a token is refused
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When the mobile number of "alice@example.com" is verified without a token
    Then the response status is 400
    And the response is in the Placewise error shape

  @creates_accounts @sms @mailbox
  Scenario: The mobile app gets a deep link
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a verification of the mobile number of "alice@example.com" is requested for the mobile app
    Then the response status is 204
    And "alice@example.com" receives a text message with a verification link
    And the message link starts with "infinity-mall://verify_msisdn?"

  @creates_accounts @sms @mailbox @clock
  Scenario Outline: The texted token works for 30 days
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a verification of the mobile number of "alice@example.com" is requested
    Then "alice@example.com" receives a text message with a verification link
    When the clock moves forward <hours> hours
    And the mobile number of "alice@example.com" is verified with the token from the text message
    Then the response status is <status>

    Examples:
      | hours | status |
      | 719   | 200    |
      | 720   | 463    |

  @mailbox
  Scenario: A number no member has gets the same answer and no message
    Given no Placewise account exists for "nobody@example.com"
    When a verification of the mobile number of "nobody@example.com" is requested
    Then the response status is 204
    And the outbox holds no message for "nobody@example.com"
