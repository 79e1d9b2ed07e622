@zitadel
Feature: Reset requests ZITADEL refuses
  ZITADEL does not hide which users exist on this administration API, and it checks a request before it creates
  a code: the protobuf message first (one medium at most), then the URL template, then the user.

  Background:
    Given no ZITADEL account exists for "ghost@example.com"

  Scenario: An unknown user is not found
    When a password reset is requested for "ghost@example.com"
    Then the response status is 404
    And the response is in the ZITADEL error shape
    And the ZITADEL error is NotFound with the ID "COMMAND-SAF4f"

  Scenario: sendLink and returnCode together are refused
    When a password reset is requested with the JSON body:
      """
      {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Unspecified"}, "returnCode": {}}
      """
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And the ZITADEL error is InvalidArgument

  Scenario: A URL template that does not parse is refused before the user is looked up
    When a password reset link is requested for "ghost@example.com" with the URL template "https://app.example.com/reset?code={{"
    Then the response status is 400
    And the response is in the ZITADEL error shape
    And the ZITADEL error is InvalidArgument
