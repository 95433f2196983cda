// Verifies deliveries with the npm Standard Webhooks library, as an agency's node receiver would.
// stdin: a JSON array of {secret, body, headers}; stdout: a JSON array of {ok, error}, one per case.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ secret, body, headers }) => {
  try {
    new Webhook(secret).verify(body, headers);
    return { ok: true, error: null };
  } catch (error) {
    return { ok: false, error: String(error && error.message) };
  }
});
process.stdout.write(JSON.stringify(results));
