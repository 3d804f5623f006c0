// @ts-check
/**
 * An SMTP relay for the end-to-end tests: it listens on 127.0.0.1, accepts every message
 * and keeps it, so a test can read the mail the server sent (a collaborator's link, say).
 * Just enough SMTP for the server's client over plain TCP: EHLO/HELO, MAIL, RCPT, DATA, QUIT.
 */
import { createServer } from "node:net";

/**
 * @typedef {object} SunkMail
 * @property {string[]} recipients
 * @property {string} data headers and body as sent, dot-stuffing undone
 */

/** The body of a mail, quoted-printable decoded (how the server sends text). */
export function bodyText(/** @type {SunkMail} */ mail) {
  const body = mail.data.split("\r\n\r\n").slice(1).join("\r\n\r\n").replace(/=\r\n/g, "");
  const bytes = [];
  for (let index = 0; index < body.length; index++) {
    const hex = body.slice(index + 1, index + 3);
    if (body[index] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else bytes.push(...Buffer.from(body[index] ?? ""));
  }
  return Buffer.from(bytes).toString("utf8");
}

export async function startSmtpSink() {
  /** @type {SunkMail[]} */
  const mails = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    /** @type {string[]} */
    let recipients = [];
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const data = buffer.slice(0, end).replace(/\r\n\.\./g, "\r\n.");
          buffer = buffer.slice(end + 5);
          mails.push({ recipients, data });
          recipients = [];
          inData = false;
          socket.write("250 queued\r\n");
          continue;
        }
        const lineEnd = buffer.indexOf("\r\n");
        if (lineEnd < 0) return;
        const line = buffer.slice(0, lineEnd);
        buffer = buffer.slice(lineEnd + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 sink\r\n");
        else if (verb === "RCPT") {
          recipients.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          socket.write("250 ok\r\n");
        } else if (verb === "DATA") {
          inData = true;
          socket.write("354 go on\r\n");
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
          return;
        } else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolveListen) => server.listen(0, "127.0.0.1", () => resolveListen(undefined)));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the SMTP sink has no port");
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    /**
     * The first mail `matches` accepts, waiting for it up to `timeoutMs`.
     * @param {(mail: SunkMail) => boolean} matches
     */
    async waitFor(matches, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such mail within ${timeoutMs} ms; got ${mails.length}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
    },
    close: () => new Promise((resolveClose) => server.close(() => resolveClose(undefined))),
  };
}
