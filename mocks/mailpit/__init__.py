"""The outbox seen through Mailpit's API, so that teams keep the Mailpit clients they test with: the search syntax
(`search`) and the message shapes (`view`). Pure: the admin API routes it (`/__admin/mailpit`)."""
