@placewise
Feature: Placewise: asking for a reset
  Anyone may ask for a reset, so the answer must not reveal whether a member exists. The v3 member
  API names the member by e-mail address in the path and the loyalty club in the path too; the v1
  API names the loyalty club in the X-Loyalty-Club-Slug header and the member in the body, by e-mail
  address or mobile number (E.164, such as +4791234567).

  Scenario: An unknown member gets the same answer as a known one
    Given no Placewise account exists for "nobody@example.com"
    When a password reset is requested for "nobody@example.com"
    Then the response status is 200
    And the response body is:
      """
      {}
      """

  @mailbox
  Scenario: Nothing is sent when no member matches
    Given no Placewise account exists for "nobody@example.com"
    When a password reset is requested for "nobody@example.com"
    Then the response status is 200
    And the outbox holds no message for "nobody@example.com"

  Scenario: The v1 API needs the loyalty club header
    Given no Placewise account exists for "nobody@example.com"
    When a reset message is requested through the v1 API for "nobody@example.com" without the loyalty club header
    Then the response status is 470
    And the response is in the Placewise error shape

  Scenario: The v1 API refuses an unknown loyalty club
    Given no Placewise account exists for "nobody@example.com"
    When a reset message is requested through the v1 API for "nobody@example.com" in the loyalty club "no-such-club"
    Then the response status is 471
    And the response is in the Placewise error shape

  Scenario: The v3 API does not know an unknown loyalty club
    Given no Placewise account exists for "nobody@example.com"
    When a password reset token is requested through the v3 API for "nobody@example.com" in the loyalty club "no-such-club"
    Then the response status is 404
    And the response is in the Placewise error shape
    And the response field "error" is "Loyalty club not found"

  Scenario Outline: An identifier that is neither an e-mail address nor a mobile number is refused
    When a reset message is requested through the v1 API for the identifier "<identifier>"
    Then the response status is 422
    And the response is in the Placewise error shape
    And the response field "error" is "Invalid parameters"
    And the response field "details.identifier.0.error" is "<error>"

    Examples:
      | identifier     | error          |
      |                | blank          |
      | not-an-address | invalid_format |
      | 4791234567     | invalid_format |

  Scenario: A malformed e-mail address in the v3 path is refused
    When a password reset token is requested through the v3 API for the address "not-an-address"
    Then the response status is 422
    And the response is in the Placewise error shape
    And the response field "details.email.0.error" is "invalid_format"

  Scenario: A request without an identifier is refused
    When a reset message is requested through the v1 API with the JSON body:
      """
      {}
      """
    Then the response status is 422
    And the response is in the Placewise error shape

  Scenario: A body that is not JSON is refused in the Placewise error shape
    When a reset message is requested through the v1 API with a body that is not valid JSON
    Then the response status is 400
    And the response is in the Placewise error shape
