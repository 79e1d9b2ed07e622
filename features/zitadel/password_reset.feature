@zitadel @creates_accounts
Feature: Resetting a ZITADEL password
  A login client or an administrator asks ZITADEL (user service v2) to reset a user's password. ZITADEL either
  sends the user a link with a one-time code, or hands the code to the caller, who delivers it. The code then
  sets a new password (SetPassword), and the user signs in with it (CreateSession with a password check).

  Background:
    Given a ZITADEL account with e-mail "alice@example.com" and password "Old-Passw0rd!"

  @mailbox
  Scenario: A request without options e-mails ZITADEL's default reset link
    When a password reset is requested for "alice@example.com"
    Then the response status is 200
    And "alice@example.com" receives an e-mail with a reset link
    And the link carries the user ID of "alice@example.com", the code and the organization ID

  @mailbox
  Scenario: With returnCode the caller gets the code and nothing is sent
    When a password reset code is requested for "alice@example.com" to be returned
    Then the response status is 200
    And the response carries a verification code of 6 capital letters and digits
    And the outbox holds no message for "alice@example.com"

  Scenario: The returned code sets the new password
    Given a password reset code was returned for "alice@example.com"
    When the returned code sets the new password "N3w-Passw0rd!" for "alice@example.com"
    Then the response status is 200
    And "alice@example.com" can sign in with password "N3w-Passw0rd!"
    And "alice@example.com" cannot sign in with password "Old-Passw0rd!"

  @mailbox
  Scenario: sendLink renders the URL template into the e-mailed link
    When a password reset link is requested for "alice@example.com" with the URL template "https://app.example.com/password/change?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}"
    Then the response status is 200
    And "alice@example.com" receives an e-mail with a reset link
    And the message link starts with "https://app.example.com/password/change?userID="
    And the link carries the user ID of "alice@example.com", the code and the organization ID

  @sms
  Scenario: sendLink by SMS texts the link to the user's phone
    When a password reset link is requested for "alice@example.com" by text message
    Then the response status is 200
    And "alice@example.com" receives a text message with a reset link

  @mailbox
  Scenario: After the reset the new password signs in and the old one does not
    Given "alice@example.com" has requested a password reset and received the e-mail
    When the reset is completed with the link from the e-mail and the new password "N3w-Passw0rd!"
    Then the response status is 200
    And "alice@example.com" can sign in with password "N3w-Passw0rd!"
    And "alice@example.com" cannot sign in with password "Old-Passw0rd!"
