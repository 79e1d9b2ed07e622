@placewise
Feature: Placewise: a one-time password signs a member in once
  A member can ask for a one-time password by e-mail or by text message, naming the account by
  e-mail address or by mobile number (digits without "+", as Placewise writes MSISDNs). The password
  signs the member in once, in place of the member's own password, within an hour; a newer one
  replaces it. The message also carries a login link, `<login_url>?otp=<password>`. An unknown
  address is answered 404, as Placewise documents.

  @creates_accounts @mailbox
  Scenario Outline: A member signs in with a one-time password sent by e-mail
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a one-time password is requested by e-mail for the <address> of "alice@example.com" on the <path> path
    Then the response status is 200
    And the response body is:
      """
      {}
      """
    And "alice@example.com" receives the one-time password by e-mail
    When "alice@example.com" signs in with the one-time password
    Then the response status is 200
    And the response field "token_type" is "bearer"
    When "alice@example.com" signs in with the one-time password
    Then the response status is 461
    And the response is in the Placewise error shape
    And "alice@example.com" can still sign in with password "Old-Passw0rd!"

    Examples:
      | address        | path       |
      | e-mail address | current    |
      | mobile number  | current    |
      | e-mail address | deprecated |

  @creates_accounts @sms
  Scenario Outline: A member signs in with a one-time password sent by text message
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a one-time password is requested by text message for the <address> of "alice@example.com" on the <path> path
    Then the response status is 200
    And "alice@example.com" receives the one-time password by text message
    And the one-time password is 4 digits
    When "alice@example.com" signs in with the one-time password
    Then the response status is 200
    When "alice@example.com" signs in with the one-time password
    Then the response status is 461

    Examples:
      | address        | path       |
      | mobile number  | current    |
      | e-mail address | current    |
      | mobile number  | deprecated |

  @creates_accounts @mailbox
  Scenario: The message's login link goes where the caller asks
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a one-time password is requested by e-mail for the e-mail address of "alice@example.com" with the login URL "https://app.example.com/login"
    Then the response status is 200
    And "alice@example.com" receives the one-time password by e-mail
    And the message link is the login URL "https://app.example.com/login" with the one-time password

  @creates_accounts @mailbox
  Scenario: A newer one-time password replaces the older one
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a one-time password is requested by e-mail for the e-mail address of "alice@example.com"
    Then "alice@example.com" receives the one-time password by e-mail
    When a one-time password is requested by e-mail for the e-mail address of "alice@example.com"
    Then "alice@example.com" receives the one-time password by e-mail
    When "alice@example.com" signs in with the first one-time password
    Then the response status is 461
    When "alice@example.com" signs in with the one-time password
    Then the response status is 200

  @creates_accounts @mailbox
  Scenario: A one-time password signs in only the member it was sent to
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    And a Placewise account with e-mail "bob@example.com" and password "Bobs-Passw0rd!"
    When a one-time password is requested by e-mail for the e-mail address of "alice@example.com"
    Then "alice@example.com" receives the one-time password by e-mail
    When "bob@example.com" signs in with the one-time password
    Then the response status is 461
    When "alice@example.com" signs in with the one-time password
    Then the response status is 200

  @creates_accounts @mailbox @clock
  Scenario Outline: A one-time password works for one hour
    Given a Placewise account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a one-time password is requested by e-mail for the e-mail address of "alice@example.com"
    Then "alice@example.com" receives the one-time password by e-mail
    When the clock moves forward <minutes> minutes
    And "alice@example.com" signs in with the one-time password
    Then the response status is <status>

    Examples:
      | minutes | status |
      | 59      | 200    |
      | 60      | 461    |

  Scenario Outline: An unknown <address> is not found
    Given no Placewise account exists for "nobody@example.com"
    When a one-time password is requested by e-mail for the <address> of "nobody@example.com"
    Then the response status is 404
    And the response is in the Placewise error shape
    And the response field "error" is "Member not found"

    Examples:
      | address        |
      | e-mail address |
      | mobile number  |
