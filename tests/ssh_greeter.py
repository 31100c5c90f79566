#!/usr/bin/env python3
"""ssh_greeter — listens on 127.0.0.1 and prints its port; each connection
gets an ssh server's greeting and is closed, so a client makes its ssh
session and then fails: enough to see what starting one loads and says.
usage: ssh_greeter.py"""
import socket

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(5)
print(srv.getsockname()[1], flush=True)
while True:
    conn, _ = srv.accept()
    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
    conn.close()
