"""A client that sends its body one byte at a time, each byte well within
listen's idle timeout: prints what came back ("closed" when the server hung
up before answering, "still open" when it gave up after LIMIT seconds) and
how many bytes of the body it sent."""
import socket
import sys
import time

port, token, pause, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
body = b"{" + b" " * 998 + b"}"
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() +
          b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
sent = 0
start = time.monotonic()
try:
    for i in range(len(body)):
        if time.monotonic() - start > limit:
            print("still open", sent)
            sys.exit(0)
        s.sendall(body[i:i + 1])
        sent += 1
        time.sleep(pause)
    reply = s.recv(100)
except OSError:
    reply = b""
print((reply.split(b"\r\n")[0].decode() if reply else "closed"), sent)
