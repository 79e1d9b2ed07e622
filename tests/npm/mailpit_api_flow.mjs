// npm mailpit-api, unchanged, against the mock's Mailpit view: node mailpit_api_flow.mjs BASE_URL EMAIL
// Prints "waiting" when it starts waiting for the message to EMAIL (the test then requests the reset), then one JSON
// line with what the client saw.
import { MailpitClient } from "mailpit-api";

const [baseURL, email] = process.argv.slice(2);
const mailpit = new MailpitClient(baseURL);
const query = `to:${email}`;
const linkIn = (text) => (text.match(/https?:\/\/[^\s"'<>]+/) || [null])[0];

const before = await mailpit.searchMessages({ query });
console.log("waiting");
const message = await mailpit.waitForMessage({ query }, { timeout: 10000, interval: 100 });
const listed = await mailpit.listMessages();
const found = await mailpit.searchMessages({ query });
const html = await mailpit.renderMessageHTML(message.ID);
const text = await mailpit.renderMessageText(message.ID);
const href = (html.match(/href="([^"]+)"/) || [null, null])[1];
const headers = await mailpit.getMessageHeaders(message.ID);
const deleted = await mailpit.deleteMessages({ IDs: [message.ID] });
const after = await mailpit.searchMessages({ query });
console.log(JSON.stringify({
  before: before.messages_count,
  id: message.ID,
  to: message.To.map((to) => to.Address),
  subject: message.Subject,
  read: message.Read,
  listed: listed.messages.some((m) => m.ID === message.ID),
  found: found.messages.map((m) => m.ID),
  htmlLink: href && href.replaceAll("&amp;", "&"),
  textLink: linkIn(text),
  messageText: message.Text,
  deliveredTo: headers["Delivered-To"],
  deleted,
  after: after.messages_count,
}));
