// ZITADEL's hosted login app's reset-and-sign-in RPC sequence (zitadel/typescript: src/lib/zitadel.ts,
// src/lib/server/password.ts, src/lib/server/cookie.ts), replayed with the official @zitadel/client over one wire.
// Usage: node zitadel_login_flow.mjs <wire> <base URL> <admin URL> <access token> <login name>
// wire: grpc (createServerTransport on the base URL itself, as the app does), connect-binary, connect-json, grpc-web.
// Prints one JSON object with what each step saw; exits 1 with the error on an unexpected failure.
import { ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { NewAuthorizationBearerInterceptor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import {
  createOrganizationServiceClient,
  createSessionServiceClient,
  createSettingsServiceClient,
  createUserServiceClient,
  makeReqCtx,
} from "@zitadel/client/v2";
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from "@zitadel/proto/zitadel/message_pb.js";
import { TextQueryMethod } from "@zitadel/proto/zitadel/object/v2/object_pb.js";
import { NotificationType } from "@zitadel/proto/zitadel/user/v2/password_pb.js";
import { AuthenticationMethodType } from "@zitadel/proto/zitadel/user/v2/user_service_pb.js";

const [wire, baseUrl, adminUrl, token, loginName] = process.argv.slice(2);
const interceptors = [NewAuthorizationBearerInterceptor(token)];
const transports = {
  grpc: () => createServerTransport(token, { baseUrl }),
  "connect-binary": () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors }),
  "connect-json": () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors }),
  "grpc-web": () => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors }),
};
const transport = transports[wire]();
const orgs = createOrganizationServiceClient(transport);
const settings = createSettingsServiceClient(transport);
const users = createUserServiceClient(transport);
const sessions = createSessionServiceClient(transport);
const NEW = "L0gin-App-Passw0rd!";
const TEMPLATE = "http://localhost:3000/ui/v2/login/password/set?code={{.Code}}&userId={{.UserID}}&organization={{.OrgID}}";
const seen = { wire };

function refusal(error) {
  const failure = ConnectError.from(error);
  const seen = { refused: true, code: Code[failure.code], id: failure.findDetails(ErrorDetailSchema)[0]?.id ?? null };
  const credentials = failure.findDetails(CredentialsCheckErrorSchema)[0]; // what the app reads on a wrong password
  return credentials ? { ...seen, id: credentials.id, failedAttempts: credentials.failedAttempts } : seen;
}

async function refused(call) {
  try {
    await call();
    return { refused: false };
  } catch (error) {
    return refusal(error);
  }
}

async function newestLink(to) {
  const answer = await fetch(`${adminUrl}/outbox?to=${encodeURIComponent(to)}&limit=1`);
  const { messages } = await answer.json();
  return messages[0]?.link ?? null;
}

try {
  // /loginname: the default organization, its settings, then the user by login name.
  const defaultOrg = await orgs.listOrganizations({ queries: [{ query: { case: "defaultQuery", value: {} } }] });
  const org = defaultOrg.result[0];
  seen.organization = { id: org.id, name: org.name, count: defaultOrg.result.length };
  const ctx = makeReqCtx(org.id);
  const login = (await settings.getLoginSettings({ ctx })).settings;
  seen.loginSettings = {
    allowUsernamePassword: login.allowUsernamePassword,
    hidePasswordReset: login.hidePasswordReset,
    passwordCheckLifetime: Number(login.passwordCheckLifetime?.seconds ?? 0),
  };
  const branding = (await settings.getBrandingSettings({ ctx })).settings;
  seen.primaryColor = branding.lightTheme?.primaryColor ?? null;
  seen.identityProviders = (await settings.getActiveIdentityProviders({ ctx })).identityProviders.length;
  try {
    const translation = await settings.getHostedLoginTranslation({ level: { case: "organizationId", value: org.id }, locale: "en" });
    seen.translations = translation.translations ?? null;
  } catch (error) {
    seen.translations = refusal(error); // the app tolerates a failure here
  }
  const byLoginName = await users.listUsers({
    queries: [
      { query: { case: "loginNameQuery", value: { loginName, method: TextQueryMethod.EQUALS } } },
      { query: { case: "organizationIdQuery", value: { organizationId: org.id } } },
    ],
  });
  seen.listUsers = { totalResult: String(byLoginName.details?.totalResult), results: byLoginName.result.length };
  const user = byLoginName.result[0];
  const userId = user.userId;
  seen.userId = userId;
  const methods = await users.listAuthenticationMethodTypes({ userId });
  seen.authMethods = methods.authMethodTypes.map((method) => AuthenticationMethodType[method]);

  // /password, "reset password": a link built from the app's template, sent by e-mail.
  await users.passwordReset({
    userId,
    medium: { case: "sendLink", value: { notificationType: NotificationType.Email, urlTemplate: TEMPLATE } },
  });
  const email = user.type.value.email.email;
  const link = new URL(await newestLink(email));
  seen.link = {
    path: link.pathname,
    code: link.searchParams.get("code"),
    userId: link.searchParams.get("userId"),
    organization: link.searchParams.get("organization"),
  };

  // /password/set?code&userId: the page's settings and user, then the form.
  seen.complexity = (await settings.getPasswordComplexitySettings({ ctx })).settings.minLength.toString();
  await users.getUserByID({ userId });
  const setRequest = {
    userId,
    newPassword: { password: NEW },
    verification: { case: "verificationCode", value: seen.link.code },
  };
  await users.setPassword(setRequest);
  const checks = { user: { search: { case: "userId", value: userId } }, password: { password: NEW } };
  const created = await sessions.createSession({ checks, lifetime: login.passwordCheckLifetime });
  const read = (await sessions.getSession({ sessionId: created.sessionId, sessionToken: created.sessionToken })).session;
  seen.session = {
    displayName: read.factors?.user?.displayName,
    loginName: read.factors?.user?.loginName,
    organizationId: read.factors?.user?.organizationId,
    passwordChecked: Boolean(read.factors?.password?.verifiedAt),
    expires: Boolean(read.expirationDate),
  };

  // Signed in: the app checks the password again on its session (SetSession), then reads it.
  const updated = await sessions.setSession({
    sessionId: created.sessionId,
    sessionToken: created.sessionToken,
    checks: { password: { password: NEW } },
    metadata: {},
    lifetime: login.passwordCheckLifetime,
  });
  seen.setSession = { newToken: updated.sessionToken !== created.sessionToken };
  seen.setSessionWrongPassword = await refused(() =>
    sessions.setSession({ sessionId: created.sessionId, checks: { password: { password: "Wr0ng-Passw0rd!" } } }),
  );
  seen.oldTokenRefused = await refused(() =>
    sessions.getSession({ sessionId: created.sessionId, sessionToken: created.sessionToken }),
  );
  const listed = await sessions.listSessions({ queries: [{ query: { case: "idsQuery", value: { ids: [created.sessionId] } } }] });
  seen.listedSessions = listed.sessions.map((session) => session.id === created.sessionId);
  seen.otherSettings = {
    lockout: String((await settings.getLockoutSettings({ ctx })).settings.maxPasswordAttempts),
    expiry: String((await settings.getPasswordExpirySettings({ ctx })).settings.maxAgeDays),
    iframe: Boolean((await settings.getSecuritySettings({})).settings.embeddedIframe?.enabled),
    defaultOrg: (await settings.getGeneralSettings({})).defaultOrgId,
    legal: (await settings.getLegalAndSupportSettings({ ctx })).settings.resourceOwnerType,
  };
  await sessions.deleteSession({ sessionId: created.sessionId, sessionToken: updated.sessionToken });
  seen.deletedSession = await refused(() => sessions.getSession({ sessionId: created.sessionId }));

  // Afterwards: the new password signs in, the code is refused the second time.
  seen.newPasswordSession = Boolean((await sessions.createSession({ checks })).sessionToken);
  seen.reusedCode = await refused(() => users.setPassword({ ...setRequest, newPassword: { password: "An0ther-Passw0rd!" } }));
  console.log(JSON.stringify(seen));
} catch (error) {
  const failure = ConnectError.from(error);
  console.log(JSON.stringify({ ...seen, error: `${Code[failure.code]}: ${failure.rawMessage}` }));
  process.exit(1);
}
