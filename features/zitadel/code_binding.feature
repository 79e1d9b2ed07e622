@zitadel @creates_accounts
Feature: A ZITADEL reset code belongs to the user it was issued for
  SetPassword names the user beside the code: in the path on the REST gateway, in the body over Connect.
  A code sets the password of its own user and of no one else, whether or not that other user has a code
  of their own (security.md SR-09).

  Background:
    Given a ZITADEL account with e-mail "alice@example.com" and password "Alices-Passw0rd!"
    And a ZITADEL account with e-mail "bob@example.com" and password "Bobs-Passw0rd!"
    And a password reset code was returned for "alice@example.com"

  Scenario: One user's code cannot set another user's password
    When the code returned for "alice@example.com" sets the new password "Mall0ry-Passw0rd!" for "bob@example.com"
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And "bob@example.com" can still sign in with password "Bobs-Passw0rd!"
    And "bob@example.com" cannot sign in with password "Mall0ry-Passw0rd!"

  Scenario: One user's code cannot replace another user's pending code
    Given a password reset code was returned for "bob@example.com"
    When the code returned for "alice@example.com" sets the new password "Mall0ry-Passw0rd!" for "bob@example.com"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "CODE-woT0xc"
    And "bob@example.com" can still sign in with password "Bobs-Passw0rd!"
    When the code returned for "bob@example.com" sets the new password "B0bs-New-Passw0rd!" for "bob@example.com"
    Then the response status is 200
    And "bob@example.com" can sign in with password "B0bs-New-Passw0rd!"

  Scenario: A refused attempt on another user leaves the code usable by its own user
    When the code returned for "alice@example.com" sets the new password "Mall0ry-Passw0rd!" for "bob@example.com"
    And the code returned for "alice@example.com" sets the new password "Al1ces-New-Passw0rd!" for "alice@example.com"
    Then the response status is 200
    And "alice@example.com" can sign in with password "Al1ces-New-Passw0rd!"
