// The password-reset flow with ZITADEL's official TypeScript client over one wire, against any ZITADEL.
// Usage: node zitadel_flow.mjs <wire> <http base URL> <grpc URL> <access token>
// wire: grpc (createServerTransport, HTTP/2), connect-binary, connect-json, grpc-web.
// Prints one JSON object with what each step saw; exits 1 with the error on an unexpected failure.
import { ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { NewAuthorizationBearerInterceptor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { createSessionServiceClient, createUserServiceClient } from "@zitadel/client/v2";
import { ErrorDetailSchema } from "@zitadel/proto/zitadel/message_pb.js";

const [wire, baseUrl, grpcUrl, token] = process.argv.slice(2);
const interceptors = [NewAuthorizationBearerInterceptor(token)];
const transports = {
  grpc: () => createServerTransport(token, { baseUrl: grpcUrl }),
  "connect-binary": () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors }),
  "connect-json": () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors }),
  "grpc-web": () => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors }),
};
const transport = transports[wire]();
const users = createUserServiceClient(transport);
const sessions = createSessionServiceClient(transport);
const OLD = "Old-Passw0rd!";
const NEW = "N3w-Passw0rd!";
const email = `ts.${wire}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
const seen = { wire };

async function signIn(userId, password) {
  const checks = { user: { search: { case: "userId", value: userId } }, password: { password } };
  return sessions.createSession({ checks });
}

try {
  const created = await users.addHumanUser({
    profile: { givenName: "Tess", familyName: "Script" },
    email: { email, verification: { case: "isVerified", value: true } },
    passwordType: { case: "password", value: { password: OLD } },
  });
  seen.userId = created.userId;
  const reset = await users.passwordReset({ userId: created.userId, medium: { case: "returnCode", value: {} } });
  seen.code = reset.verificationCode;
  const setRequest = {
    userId: created.userId,
    newPassword: { password: NEW },
    verification: { case: "verificationCode", value: reset.verificationCode },
  };
  await users.setPassword(setRequest);
  const session = await signIn(created.userId, NEW);
  seen.sessionToken = session.sessionToken.length > 0;
  try {
    await users.setPassword({ ...setRequest, newPassword: { password: "An0ther-Passw0rd!" } });
    seen.reusedCode = { refused: false };
  } catch (error) {
    const failure = ConnectError.from(error);
    const details = failure.findDetails(ErrorDetailSchema);
    seen.reusedCode = { refused: true, code: Code[failure.code], id: details[0]?.id ?? null };
  }
  try {
    await signIn(created.userId, OLD);
    seen.oldPassword = { refused: false };
  } catch (error) {
    seen.oldPassword = { refused: true, code: Code[ConnectError.from(error).code] };
  }
  const read = await users.getUserByID({ userId: created.userId });
  seen.user = { userId: read.user?.userId, type: read.user?.type.case, email: read.user?.type.value?.email?.email };
  seen.expectedEmail = email;
  console.log(JSON.stringify(seen));
} catch (error) {
  const failure = ConnectError.from(error);
  console.log(JSON.stringify({ ...seen, error: `${Code[failure.code]}: ${failure.rawMessage}` }));
  process.exit(1);
}
