@placewise @mailbox
Feature: Placewise: a registration password lets a member in once
  A member without a usable password can ask for a registration password, by e-mail or by text
  message, and sign in with it instead of the password. It works once.

  @creates_accounts
  Scenario Outline: A member signs in with a registration password sent by <channel>
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a registration password is requested for the <identifier> of "alice@example.com"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" receives the registration password by <channel>
    When "alice@example.com" signs in with the registration password
    Then the response status is 200
    When "alice@example.com" signs in with the registration password
    Then the response status is 461
    And the response is in the Placewise error shape

    Examples:
      | identifier     | channel      |
      | e-mail address | e-mail       |

    @sms
    Examples: by text message
      | identifier     | channel      |
      | mobile number  | text message |

  Scenario: Nothing is sent for an unknown e-mail address
    Given no Placewise account exists for "nobody@example.com"
    When a registration password is requested for the e-mail address of "nobody@example.com"
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And the outbox holds no message for "nobody@example.com"
