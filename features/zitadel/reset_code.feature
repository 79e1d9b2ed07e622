@zitadel @mock_only
Feature: A ZITADEL reset code works once, for one hour
  The code is 6 characters of A-Z and 0-9. It can be used once, expires after one hour, and a new request
  replaces it.

  Background:
    Given a ZITADEL account with e-mail "bob@example.com" and password "Old-Passw0rd!"
    And "bob@example.com" has requested a password reset and received the e-mail

  Scenario: The code works only once
    Given the reset was completed with the link from the e-mail and the new password "N3w-Passw0rd!"
    When the reset is completed with the link from the e-mail and the new password "An0ther-Passw0rd!"
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And the ZITADEL error is FailedPrecondition with the ID "COMMAND-2M9fs"
    And "bob@example.com" can still sign in with password "N3w-Passw0rd!"

  Scenario: The code still works just before the hour is over
    When the clock moves forward 59 minutes
    And the reset is completed with the link from the e-mail and the new password "N3w-Passw0rd!"
    Then the response status is 200

  Scenario: The code has expired after one hour
    When the clock moves forward 60 minutes
    And the reset is completed with the link from the e-mail and the new password "N3w-Passw0rd!"
    Then the response status is 400
    And the ZITADEL error is FailedPrecondition with the ID "CODE-QvUQ4P"
    And "bob@example.com" can still sign in with password "Old-Passw0rd!"

  Scenario: A new request replaces the old code
    Given "bob@example.com" has requested another password reset and received the e-mail
    When the reset is completed with the link from the first e-mail and the new password "N3w-Passw0rd!"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "CODE-woT0xc"
