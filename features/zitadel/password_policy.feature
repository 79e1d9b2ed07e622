@zitadel @creates_accounts
Feature: ZITADEL's default password policy
  A new password needs at least 8 characters, a lower-case letter, an upper-case letter, a number and a symbol.
  The rules are checked in that order and the first one that fails is reported with its error ID. The code is
  returned to the caller (returnCode), so the policy is checked on any deployment, with or without a mailbox.

  Background:
    Given a ZITADEL account with e-mail "carol@example.com" and password "Old-Passw0rd!"
    And a password reset code was returned for "carol@example.com"

  Scenario Outline: A new password that breaks the policy is refused with the rule's error ID
    When the returned code sets the new password "<password>" for "carol@example.com"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "<error id>"
    And "carol@example.com" can still sign in with password "Old-Passw0rd!"

    Examples:
      | password       | error id     |
      | Sh0rt!         | DOMAIN-HuJf6 |
      | abc            | DOMAIN-HuJf6 |
      | NO-LOWER-1     | DOMAIN-co3Xw |
      | no-upper-1     | DOMAIN-VoaRj |
      | No-Number-Here | DOMAIN-ZBv4H |
      | NoSymbol123    | DOMAIN-ZDLwA |

  Scenario: A refused password leaves the code usable for a good one
    When the returned code sets the new password "weak" for "carol@example.com"
    Then the response status is 400
    When the returned code sets the new password "N3w-Passw0rd!" for "carol@example.com"
    Then the response status is 200
    And "carol@example.com" can sign in with password "N3w-Passw0rd!"

  @mailbox
  Scenario: The code e-mailed in the link is held to the same policy
    Given "carol@example.com" has requested a password reset and received the e-mail
    When the reset is completed with the link from the e-mail and the new password "NoSymbol123"
    Then the response status is 400
    And the ZITADEL error is InvalidArgument with the ID "DOMAIN-ZDLwA"
    And "carol@example.com" can still sign in with password "Old-Passw0rd!"
