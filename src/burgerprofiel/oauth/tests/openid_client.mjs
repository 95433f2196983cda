// An agency connector written with node's openid-client (panva), as it comes: client credentials with
// private_key_jwt, then GET /api/v1/me with the access token. Used by test_clients.py.
//
// Environment: ISSUER (the platform's issuer identifier, PUBLIC_URL), TOKEN_ENDPOINT, API_URL,
// CLIENT_ID, CLIENT_JWK (the private key as a JWK with its kid and alg: RS256 or ES256).
// Prints one JSON line: {"token": {...token response...}, "status": <me status>, "me": {...}}.
import * as client from 'openid-client';

const env = process.env;
const jwk = JSON.parse(env.CLIENT_JWK);
const algorithm =
  jwk.alg === 'ES256'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const { kid, alg, ...material } = jwk;
const key = await crypto.subtle.importKey('jwk', material, algorithm, false, ['sign']);

const config = new client.Configuration(
  { issuer: env.ISSUER, token_endpoint: env.TOKEN_ENDPOINT },
  env.CLIENT_ID,
  undefined,
  client.PrivateKeyJwt({ key, kid }),
);
client.allowInsecureRequests(config); // plain HTTP: the test's server listens on loopback only

const token = await client.clientCredentialsGrant(config);
const me = await client.fetchProtectedResource(config, token.access_token, new URL(env.API_URL + '/me'), 'GET');
process.stdout.write(
  JSON.stringify({ token: { token_type: token.token_type, scope: token.scope }, status: me.status, me: await me.json() }) +
    '\n',
);
