@leadsquared @rate_limit
Feature: LeadSquared: at most 25 calls in 5 seconds per key
  Every portal call counts against the public auth key. The 26th call within 5 seconds is refused
  with 429 and a Retry-After header saying how many seconds to wait.

  Background:
    Given no LeadSquared call has been made for 5 seconds
    And no LeadSquared account exists for "nobody@example.com"

  Scenario: The 26th call within 5 seconds is refused
    When 25 reset links are requested for "nobody@example.com" in quick succession
    Then every one of them is answered 200
    When one more reset link is requested for "nobody@example.com"
    Then the response status is 429
    And the response is in the LeadSquared error shape
    And the response field "ExceptionType" is "MXAPIRateLimitExceededException"
    And the response header "Retry-After" is a whole number from 1 to 5

  @clock
  Scenario: Calls are accepted again once the window has passed
    When 25 reset links are requested for "nobody@example.com" in quick succession
    And one more reset link is requested for "nobody@example.com"
    Then the response status is 429
    When the clock moves forward 5 seconds
    And one more reset link is requested for "nobody@example.com"
    Then the response status is 200

  Scenario: Getting the public auth key has its own budget
    When 25 reset links are requested for "nobody@example.com" in quick succession
    And the public auth key is requested with the portal's access and secret keys
    Then the response status is 200
