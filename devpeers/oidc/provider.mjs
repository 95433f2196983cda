// A real OIDC provider for development and tests, shaped like the Flemish ACM for citizens:
// the INSZ in `rrn`, names in `given_name` / `family_name`, the login method in `acr`.
//
// Configuration from the environment (all optional except the client's redirect URI):
//   OIDC_PORT            port on 127.0.0.1 (0 = any free port; the chosen one is printed)
//   OIDC_CLIENT_ID       client id of the portal          (default burgerprofiel-portal)
//   OIDC_CLIENT_SECRET   its secret                       (default dev-secret-not-for-production)
//   OIDC_REDIRECT_URIS   comma-separated callback URLs    (default http://127.0.0.1:8000/oidc/callback)
//   OIDC_POST_LOGOUT_URIS comma-separated URLs after logout (default http://127.0.0.1:8000/)
// On start it prints one JSON line: {"issuer": "http://127.0.0.1:PORT"}.
//
// The login page lists the demo citizens and the login methods; when the portal asks for a
// higher level (`acr_values`), only the methods that reach it are offered (step-up).
import http from 'node:http';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const env = process.env;
const clientId = env.OIDC_CLIENT_ID || 'burgerprofiel-portal';
const clientSecret = env.OIDC_CLIENT_SECRET || 'dev-secret-not-for-production';
const redirectUris = (env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:8000/oidc/callback').split(',');
const postLogoutUris = (env.OIDC_POST_LOGOUT_URIS || 'http://127.0.0.1:8000/').split(',');

// Login methods with their ACM-like level (higher is stronger).
const METHODS = [
  { acr: 'eid', label: 'eID-kaartlezer', level: 4 },
  { acr: 'itsme', label: 'itsme', level: 4 },
  { acr: 'app', label: 'Mobiele sleutel-app', level: 3 },
  { acr: 'sms', label: 'Beveiligingscode via sms', level: 2 },
];
const levelOf = (acr) => (METHODS.find((m) => m.acr === acr) || { level: 0 }).level;

// Demo citizens: the national numbers of `burgerprofiel demo seed` (valid checksums, not real people).
const CITIZENS = {
  an: { rrn: '85073003328', given_name: 'An', family_name: 'Peeters' },
  jan: { rrn: '90022742191', given_name: 'Jan', family_name: 'Janssens' },
  lotte: { rrn: '01010100126', given_name: 'Lotte', family_name: 'Maes' },
};

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = http.createServer();
server.listen(Number(env.OIDC_PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'acr', 'auth_time'], profile: ['given_name', 'family_name'], rrn: ['rrn'] },
    scopes: ['openid', 'profile', 'rrn'],
    acrValues: METHODS.map((m) => m.acr),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Afmelden (demo-identiteitsdienst)</title></head>
<body><main><h1>Wilt u zich afmelden bij de overheid?</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, afmelden</button>
<button type="submit" form="op.logoutForm">Nee, aangemeld blijven</button></main></body></html>`;
        },
      },
    },
    cookies: { keys: [clientSecret + '-cookies'] },
    ttl: { Session: 8 * 3600, Interaction: 600, AccessToken: 300, IdToken: 300, Grant: 8 * 3600 },
    async findAccount(ctx, id) {
      const person = CITIZENS[id];
      if (!person) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...person }; } };
    },
    async loadExistingGrant(ctx) {
      // A first-party client: no consent screen; the grant covers the portal's scopes.
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile rrn');
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;

  async function body(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return new URLSearchParams(Buffer.concat(chunks).toString());
  }

  async function interaction(req, res) {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    const details = await provider.interactionDetails(req, res);
    if (match[1] !== details.uid) throw new Error('interaction mismatch');
    const wanted = String(details.params.acr_values || '').split(' ').filter(Boolean);
    const minimum = wanted.length ? Math.min(...wanted.map(levelOf)) : 0;
    const offered = METHODS.filter((m) => m.level >= minimum);
    if (req.method === 'POST' && match[2]) {
      const form = await body(req);
      const account = form.get('burger');
      const method = offered.find((m) => m.acr === form.get('methode'));
      if (!CITIZENS[account] || !method) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Ongeldige keuze');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account, acr: method.acr } }, { mergeWithLastSubmission: false });
      return;
    }
    const people = Object.entries(CITIZENS).map(([id, p], i) =>
      `<div><input type="radio" name="burger" id="b-${id}" value="${id}"${i === 0 ? ' checked' : ''}><label for="b-${id}">${esc(p.given_name)} ${esc(p.family_name)}</label></div>`).join('');
    const methods = offered.map((m, i) =>
      `<div><input type="radio" name="methode" id="m-${m.acr}" value="${m.acr}"${i === 0 ? ' checked' : ''}><label for="m-${m.acr}">${esc(m.label)}</label></div>`).join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Aanmelden bij de Vlaamse overheid (demo)</title></head>
<body><main><h1>Aanmelden (demo-identiteitsdienst)</h1>
<form method="post" action="/interaction/${esc(details.uid)}/login">
<fieldset><legend>Demo-burger</legend>${people}</fieldset>
<fieldset><legend>Aanmeldmethode</legend>${methods}</fieldset>
<button type="submit">Aanmelden</button></form></main></body></html>`);
  }

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((err) => {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Aanmelden mislukt: ${err.message}`);
      });
      return;
    }
    callback(req, res);
  });
  process.stdout.write(JSON.stringify({ issuer }) + '\n');
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
