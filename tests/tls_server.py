#!/usr/bin/env python3
"""tls_server — accepts TLS connections on 127.0.0.1 with the certificate it
is given (self-signed in the tests, so no client may trust it) and prints its
port; each connection is closed after the handshake, whatever its outcome.
usage: tls_server.py CERT KEY"""
import socket
import ssl
import sys

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
print(srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    conn.settimeout(5)
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.recv(1024)
        tls.close()
    except (OSError, ssl.SSLError):
        conn.close()
