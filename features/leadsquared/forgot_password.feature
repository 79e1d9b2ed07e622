@leadsquared
Feature: LeadSquared: asking for a reset link
  Forgot Password names the lead by e-mail address, or by any unique lead field (SearchKeyData).
  The answer is the same whether or not a lead matches, so it does not reveal who has an account.
  Errors come as {"Status": "Error", "ExceptionType", "ExceptionMessage"}.

  Scenario: An unknown e-mail address gets the same answer as a known one
    Given no LeadSquared account exists for "nobody@example.com"
    When a password reset is requested for "nobody@example.com"
    Then the response status is 200
    And the response body is:
      """
      {"Status": "Success", "Message": "Reset link sent successfully"}
      """

  @mailbox
  Scenario: Nothing is sent for an unknown e-mail address
    Given no LeadSquared account exists for "nobody@example.com"
    When a password reset is requested for "nobody@example.com"
    Then the response status is 200
    And the outbox holds no message for "nobody@example.com"

  @mailbox
  Scenario: A lead field that matches nobody gets the same answer, and nothing is sent
    Given no LeadSquared account exists for "nobody@example.com"
    When a reset link is requested for "nobody@example.com" by its Phone field
    Then the response status is 200
    And the response body is:
      """
      {"Status": "Success", "Message": "Reset link sent successfully"}
      """
    And the outbox holds no message for "nobody@example.com"

  Scenario: The lead must be named
    When a password reset is requested with the JSON body:
      """
      {}
      """
    Then the response status is 400
    And the response is in the LeadSquared error shape

  Scenario: The lead cannot be named both ways at once
    When a password reset is requested with the JSON body:
      """
      {"EmailAddress": "nobody@example.com", "SearchKeyData": {"SchemaName": "Phone", "Value": "+4790000000"}}
      """
    Then the response status is 400
    And the response is in the LeadSquared error shape

  Scenario: A recipient field needs a search key
    When a password reset is requested with the JSON body:
      """
      {"EmailAddress": "nobody@example.com", "RecipientField": {"SchemaName": "Phone"}}
      """
    Then the response status is 400
    And the response is in the LeadSquared error shape

  Scenario: A body that is not JSON is refused in the LeadSquared error shape
    When a password reset is requested with a body that is not valid JSON
    Then the response status is 400
    And the response is in the LeadSquared error shape

  Scenario: A public auth key that is not valid is refused
    Given no LeadSquared account exists for "nobody@example.com"
    When a reset link is requested for "nobody@example.com" with a public auth key that is not valid
    Then the response status is 401
    And the response is in the LeadSquared error shape
