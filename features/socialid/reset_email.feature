@socialid
Feature: Social ID: the reset e-mail and the request for it
  The Login App names the user by username or e-mail address. Accept-Language picks the e-mail
  template: Brazilian Portuguese for pt-br, English for anything else. The Login App may set the
  page the link leads to (redirect_url), the subject and the sender. Unlike the other vendors,
  Social ID tells the caller when no such user exists (404).

  @creates_accounts @mailbox
  Scenario: Without a language the e-mail is in English
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a password reset is requested for "alice@example.com"
    Then the response status is 201
    And "alice@example.com" receives an e-mail with a reset link
    And the message subject is "Reset Password"

  @creates_accounts @mailbox
  Scenario Outline: Accept-Language "<language>" picks the <template> template
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a password reset e-mail is requested for "alice@example.com" in the language "<language>"
    Then the response status is 201
    And "alice@example.com" receives an e-mail with a reset link
    And the message subject is "<subject>"

    Examples:
      | language                  | template   | subject              |
      | pt-br                     | Portuguese | Cadastrar Nova Senha |
      | pt-BR                     | Portuguese | Cadastrar Nova Senha |
      | pt-BR, pt;q=0.9, en;q=0.8 | Portuguese | Cadastrar Nova Senha |
      | en                        | English    | Reset Password       |
      | fr                        | English    | Reset Password       |
      | de-DE, es;q=0.5           | English    | Reset Password       |

  @creates_accounts @mailbox
  Scenario: The link leads to the page the Login App names
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a password reset e-mail is requested for "alice@example.com" with the redirect URL "https://shop.example.com/choose-password"
    Then the response status is 201
    And "alice@example.com" receives an e-mail with a reset link
    And the message link starts with "https://shop.example.com/choose-password?token="
    When the reset is completed with the link from the e-mail and the new password "New-Passw0rd!"
    Then the response status is 201
    And "alice@example.com" can sign in with password "New-Passw0rd!"

  @creates_accounts @mailbox
  Scenario: The Login App sets the subject and the sender
    Given a Social ID account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When a password reset e-mail is requested for "alice@example.com" with the subject "Example.com - Reset Password" from "contact@example.com"
    Then the response status is 201
    And "alice@example.com" receives an e-mail with a reset link
    And the message subject is "Example.com - Reset Password"
    And the message is sent from "contact@example.com"

  Scenario: An unknown user is reported as not found
    Given no Social ID account exists for "nobody@example.com"
    When a password reset is requested for "nobody@example.com"
    Then the response status is 404
    And the response is in the Social ID error shape

  Scenario: An unknown user gets no reset token either
    Given no Social ID account exists for "nobody@example.com"
    When a reset token is requested for "nobody@example.com"
    Then the response status is 404
    And the response is in the Social ID error shape

  Scenario: The user must be named
    When a password reset is requested with the JSON body:
      """
      {"redirect_url": "https://shop.example.com/choose-password"}
      """
    Then the response status is 400
    And the response is in the Social ID error shape

  Scenario: A blank username does not name a user
    When a password reset is requested with the JSON body:
      """
      {"username": ""}
      """
    Then the response status is 400
    And the response is in the Social ID error shape

  Scenario: An Accept-Language value that breaks its grammar is refused
    Given no Social ID account exists for "nobody@example.com"
    When a password reset e-mail is requested for "nobody@example.com" in the language "en;;q=1"
    Then the response status is 400
    And the response is in the Social ID error shape

  Scenario: A body that is not JSON is refused in the Social ID error shape
    When a password reset is requested with a body that is not valid JSON
    Then the response status is 400
    And the response is in the Social ID error shape
