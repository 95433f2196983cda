// A small SMS centre for development and tests, on the npm `smpp` package (SMPP 3.4 server).
//
// Usage: node smsc.mjs [port]   (port 0 = any free port)
// Environment: SMSC_SYSTEM_ID, SMSC_PASSWORD (bind credentials), SMSC_THROTTLE_FIRST (answer the
// first N submit_sm with ESME_RTHROTTLED, to exercise retries).
// Standard output, one JSON object per line: {"listening": port} first, then for every accepted
// message {"submit": {"to", "from", "text", "message_id"}}.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../../../node_modules/"));
const smpp = require("smpp");

const systemId = process.env.SMSC_SYSTEM_ID || "burgerprofiel";
const password = process.env.SMSC_PASSWORD || "";
let throttle = parseInt(process.env.SMSC_THROTTLE_FIRST || "0", 10);
let counter = 0;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const server = smpp.createServer((session) => {
  session.on("error", () => session.close());
  const bind = (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: "smsc" }));
  };
  session.on("bind_transmitter", bind);
  session.on("bind_transceiver", bind);
  session.on("submit_sm", (pdu) => {
    if (throttle > 0) {
      throttle -= 1;
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    counter += 1;
    const messageId = `smsc-${process.pid}-${counter}`;
    const sm = pdu.short_message;
    const text = sm && typeof sm === "object" && "message" in sm ? sm.message : String(sm);
    emit({ submit: { to: pdu.destination_addr, from: pdu.source_addr, text, message_id: messageId } });
    session.send(pdu.response({ message_id: messageId }));
  });
  session.on("enquire_link", (pdu) => session.send(pdu.response()));
  session.on("unbind", (pdu) => {
    session.send(pdu.response());
    session.close();
  });
});

server.listen(parseInt(process.argv[2] || "2775", 10), "127.0.0.1", () => {
  emit({ listening: server.address().port });
});
