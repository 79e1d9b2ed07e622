@leadsquared
Feature: LeadSquared: keys, sign-in and their errors
  An administrator's access and secret keys give the portal's public auth key, which every portal
  call sends as its Authorization header. Signing in with the lead's password proves a reset worked.

  Scenario: The access and secret keys give the portal's public auth key
    When the public auth key is requested with the portal's access and secret keys
    Then the response status is 200
    And the response holds the portal's public auth key

  Scenario: A wrong secret key is refused
    When the public auth key is requested with a wrong secret key
    Then the response status is 401
    And the response is in the LeadSquared error shape

  @creates_accounts
  Scenario: A wrong password is refused
    Given a LeadSquared account with e-mail "alice@example.com" and password "Old-Passw0rd!"
    When "alice@example.com" signs in with password "Wrong-Passw0rd!"
    Then the response status is 401
    And the response is in the LeadSquared error shape
    And the response field "ExceptionType" is "MXInvalidCredentialsException"

  Scenario: An unknown lead gets the same answer as a wrong password
    Given no LeadSquared account exists for "nobody@example.com"
    When "nobody@example.com" signs in with password "Any-Passw0rd!"
    Then the response status is 401
    And the response is in the LeadSquared error shape
    And the response field "ExceptionType" is "MXInvalidCredentialsException"

  Scenario: A reset for a lead that does not exist is refused like a bad link
    When the reset is completed for a lead that does not exist
    Then the response status is 400
    And the response is in the LeadSquared error shape
    And the response field "ExceptionType" is "MXInvalidTemporaryPasswordException"
