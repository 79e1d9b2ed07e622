@zitadel @creates_accounts
Feature: A ZITADEL reset code works once, for one hour
  The code is 6 characters of A-Z and 0-9. It can be used once, expires after one hour, and a new request
  replaces it. Codes returned to the caller (returnCode) follow the same rules as e-mailed ones, so these
  checks run on any deployment; the e-mailed variants need a mailbox.

  Background:
    Given a ZITADEL account with e-mail "bob@example.com" and password "Old-Passw0rd!"

  Scenario: The returned code works only once
    Given a password reset code was returned for "bob@example.com"
    And the returned code set the new password "N3w-Passw0rd!" for "bob@example.com"
    When the returned code sets the new password "An0ther-Passw0rd!" for "bob@example.com"
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And the ZITADEL error is FailedPrecondition with the ID "COMMAND-2M9fs"
    And "bob@example.com" can still sign in with password "N3w-Passw0rd!"

  Scenario: A newly returned code replaces the old one
    Given a password reset code was returned for "bob@example.com"
    And another password reset code was returned for "bob@example.com"
    When the first returned code sets the new password "N3w-Passw0rd!" for "bob@example.com"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "CODE-woT0xc"
    And "bob@example.com" can still sign in with password "Old-Passw0rd!"

  @mailbox
  Scenario: The code works only once
    Given "bob@example.com" has requested a password reset and received the e-mail
    And the reset was completed with the link from the e-mail and the new password "N3w-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "An0ther-Passw0rd!"
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And the ZITADEL error is FailedPrecondition with the ID "COMMAND-2M9fs"
    And "bob@example.com" can still sign in with password "N3w-Passw0rd!"

  @clock
  Scenario: The code still works just before the hour is over
    Given a password reset code was returned for "bob@example.com"
    When the clock moves forward 59 minutes
    And the returned code sets the new password "N3w-Passw0rd!" for "bob@example.com"
    Then the response status is 200

  @clock
  Scenario: The code has expired after one hour
    Given a password reset code was returned for "bob@example.com"
    When the clock moves forward 60 minutes
    And the returned code sets the new password "N3w-Passw0rd!" for "bob@example.com"
    Then the response status is 400
    And the ZITADEL error is FailedPrecondition with the ID "CODE-QvUQ4P"
    And "bob@example.com" can still sign in with password "Old-Passw0rd!"

  @mailbox
  Scenario: A new request replaces the old code
    Given "bob@example.com" has requested a password reset and received the e-mail
    And "bob@example.com" has requested another password reset and received the e-mail
    When the reset is completed with the link from the first e-mail and the new password "N3w-Passw0rd!"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "CODE-woT0xc"
