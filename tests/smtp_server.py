#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the email tests (Debian's python3-aiosmtpd).

    smtp_server.py DIR [--port-file FILE] [--lifetime SECONDS]
                       [--tls CERT KEY] [--auth USER:PASSWORD]

Every message that reaches the end of DATA is kept as DIR/msg-N.eml (the
bytes as received) with DIR/msg-N.json beside it: the envelope (MAIL FROM,
RCPT TO), whether the session was under TLS and who logged in. DIR/commands
gets one line per command seen, the verb only (never an argument, so no
credential lands in it), with "tls" or "plain" after it.

--tls offers STARTTLS with CERT and KEY and refuses MAIL before it; without
--tls STARTTLS is not offered at all. --auth requires AUTH (PLAIN or LOGIN)
with that user and password before MAIL.

How the end of DATA is answered is read from DIR/mode at that moment, so one
server serves every case of a test:
    ok       250 (the default, also when the file is missing)
    4xx      451, the message is not kept
    5xx      554 with a text, the message is not kept
    5xx-echo 554 whose text repeats the password (the client must scrub it)
    drop     the message is kept, then the connection is closed unanswered:
             the sender cannot know whether it arrived
The server stops by itself after --lifetime seconds (default 120).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, directory, password):
        self.dir = directory
        self.password = password
        self.count = 0

    def command(self, verb, session):
        with open(os.path.join(self.dir, "commands"), "a") as f:
            f.write("%s %s\n" % (verb, "tls" if session.ssl else "plain"))

    def mode(self):
        try:
            with open(os.path.join(self.dir, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    def keep(self, session, envelope):
        self.count += 1
        base = os.path.join(self.dir, "msg-%d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": bool(session.ssl),
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes)
            else session.auth_data,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")


class Handler:
    def __init__(self, rec):
        self.rec = rec

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.rec.command("EHLO", session)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.rec.command("MAIL", session)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.rec.command("RCPT", session)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.rec.command("DATA", session)
        mode = self.rec.mode()
        if mode == "4xx":
            return "451 4.3.0 Mailbox busy, try again later"
        if mode == "5xx":
            return "554 5.7.1 Message refused by policy"
        if mode == "5xx-echo":
            return "554 5.7.1 Refused: credentials %s are not allowed to relay" % self.rec.password
        self.rec.keep(session, envelope)
        if mode == "drop":
            server.transport.abort()
            return "250 OK"   # never reaches the client: the connection is gone
        return "250 2.0.0 Queued as msg-%d" % self.rec.count


class Authenticator:
    def __init__(self, rec, user, password):
        self.rec = rec
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.login == self.user and auth_data.password == self.password
        self.rec.command("AUTH-" + mechanism + (" ok" if ok else " bad"), session)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", metavar="USER:PASSWORD")
    args = ap.parse_args()
    # AUTH without TLS is allowed on purpose (the client must refuse it itself)
    warnings.simplefilter("ignore")
    os.makedirs(args.dir, exist_ok=True)
    user, _, password = (args.auth or ":").partition(":")
    rec = Recorder(args.dir, password)

    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])

    def factory():
        kw = {}
        if args.auth:
            kw.update(authenticator=Authenticator(rec, user, password), auth_required=True,
                      auth_require_tls=False)   # the test may check plain AUTH is never tried
        return SMTP(Handler(rec), tls_context=context, require_starttls=bool(context),
                    hostname="smtp.test", **kw)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
