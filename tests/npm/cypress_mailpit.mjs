// cypress-mailpit's command module, unchanged, driven without Cypress: node cypress_mailpit.mjs BASE_URL EMAIL
// [USERNAME PASSWORD]. A small stand-in provides the globals the module uses (Cypress.expose, Cypress.config, cy.env,
// cy.wrap, cy.request, cy.wait) with Cypress's documented behaviour: a command yields a chainable whose `then`
// callback may return another chainable (whose subject is passed on) or a plain value; cy.request sends `body` as
// JSON, appends `qs`, sends `auth` as HTTP Basic, follows redirects, fails on a status other than 2xx or 3xx and
// yields {status, headers, body} with a JSON body parsed. Prints "waiting" when it starts waiting for the message to
// EMAIL (the test then requests the reset), then one JSON line with what the commands yielded.
const [baseURL, email, username, password] = process.argv.slice(2);

class Chainable {
  constructor(promise) {
    this.promise = promise;
  }
  then(callback) {
    return new Chainable(this.promise.then(async (subject) => {
      const next = callback(subject);
      return next instanceof Chainable ? next.promise : next;
    }));
  }
}

globalThis.Cypress = {
  expose: (name) => ({ MAILPIT_URL: baseURL })[name],
  config: (name) => ({ defaultCommandTimeout: 4000 })[name],
};

globalThis.cy = {
  wrap: (subject) => new Chainable(Promise.resolve(subject)),
  wait: (ms) => new Chainable(new Promise((resolve) => setTimeout(resolve, ms))),
  env: (names) => new Chainable(Promise.resolve(Object.fromEntries(names.map((name) => [name, {
    MAILPIT_USERNAME: username, MAILPIT_PASSWORD: password,
  }[name]])))),
  request: (options) => new Chainable((async () => {
    const url = new URL(options.url);
    for (const [key, value] of Object.entries(options.qs || {})) url.searchParams.set(key, String(value));
    const headers = {};
    if (options.auth) headers.Authorization = "Basic " + Buffer.from(`${options.auth.user}:${options.auth.pass}`).toString("base64");
    let body;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const response = await fetch(url, { method: options.method || "GET", headers, body, redirect: "follow" });
    const text = await response.text();
    const json = (response.headers.get("content-type") || "").includes("application/json");
    if (options.failOnStatusCode !== false && (response.status < 200 || response.status >= 400)) {
      throw new Error(`cy.request() failed: ${response.status} ${options.method || "GET"} ${url}: ${text}`);
    }
    return { status: response.status, headers: Object.fromEntries(response.headers), body: json ? JSON.parse(text) : text };
  })()),
};

const { MailpitCommands } = await import("cypress-mailpit/dist/src/MailpitCommands.js");
const mailpit = new MailpitCommands();
const run = (chainable) => chainable.promise;
const linkIn = (text) => (text.match(/https?:\/\/[^\s"'<>]+/) || [null])[0];

console.log("waiting");
await run(mailpit.mailpitHasEmailsByTo(email, 0, 50, { timeout: 10000, interval: 100 }));
const all = await run(mailpit.mailpitGetAllMails());
const byTo = await run(mailpit.mailpitGetEmailsByTo(email));
const bySearch = await run(mailpit.mailpitSearchEmails(`to:${email}`));
const mail = await run(mailpit.mailpitGetMail(byTo.messages[0].ID));
const subject = await run(mailpit.mailpitGetSubject(mail));
const recipients = await run(mailpit.mailpitGetRecipientAddress(mail));
const sender = await run(mailpit.mailpitGetFromAddress(mail));
const html = await run(mailpit.mailpitGetMailHTMlBody(mail));
const text = await run(mailpit.mailpitGetMailTextBody(mail));
await run(mailpit.mailpitSetStatusAsUnRead(mail));
const unread = await run(mailpit.mailpitSearchEmails(`to:${email} is:unread`));
await run(mailpit.mailpitDeleteEmailsBySearch(`to:${email}`));
await run(mailpit.mailpitNotHasEmailsByTo(email, 0, 50, { timeout: 2000, interval: 100 }));
console.log(JSON.stringify({
  id: mail.ID,
  listed: all.messages.some((m) => m.ID === mail.ID),
  byTo: byTo.messages.map((m) => m.ID),
  bySearch: bySearch.messages_count,
  subject,
  recipients,
  sender,
  htmlLink: ((html.match(/href="([^"]+)"/) || [null, null])[1] || "").replaceAll("&amp;", "&"),
  textLink: linkIn(text),
  messageText: mail.Text,
  unread: unread.messages_count,
}));
