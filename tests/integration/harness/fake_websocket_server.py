# A WebSocket server that misbehaves on purpose, for what mosquitto cannot show. Serves one
# connection after another on a kernel-chosen loopback port, which it prints first; writes each
# request head it receives to REQUESTS (appended). BEHAVIOUR is one of:
#   status "404 Not Found"   answers with that status and closes
#   no_upgrade               answers 101 without Upgrade and Connection
#   bad_accept               answers 101 with a Sec-WebSocket-Accept for another key
#   no_subprotocol           answers 101 without Sec-WebSocket-Protocol
#   close CODE REASON        accepts the handshake, then closes with that code and reason
#   close_after_connack CODE REASON
#                            accepts, answers the MQTT v5 CONNECT with a CONNACK (success), then
#                            closes with that code and reason once the next frame arrives
#   stall                    reads the request and never answers
#   huge_head                answers with a head of 20 KiB that never ends
#   close_mid_frame          accepts, sends half a binary frame, closes
# Before the behaviour, "forward PORT N" hands the first N connections to the WebSocket server
# at 127.0.0.1:PORT (the handshake included) and carries their bytes both ways until one side
# closes: a tool's first connection (mqbench's check of the broker) succeeds, the later ones
# see the behaviour.
import base64, hashlib, select, socket, struct, sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_head(connection):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\r\n\r\n")[0].decode("latin-1")


def accept_for(head):
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            return base64.b64encode(hashlib.sha1(value.strip().encode() + GUID).digest()).decode()
    return ""


def upgraded(accept, protocol=True):
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n" + ("Sec-WebSocket-Protocol: mqtt\r\n" if protocol else "") + "\r\n")


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise OSError("the client closed")
        data += chunk
    return data


def read_frame(connection):
    """The payload of one masked client frame."""
    first, second = read_exactly(connection, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exactly(connection, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exactly(connection, 8))[0]
    mask = read_exactly(connection, 4)
    payload = read_exactly(connection, length)
    return bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


def close_frame(code, reason):
    payload = struct.pack("!H", int(code)) + reason.encode()
    return bytes([0x88, len(payload)]) + payload


def serve(connection, behaviour, requests):
    head = read_head(connection)
    if head is None:
        return
    with open(requests, "a") as out:
        out.write(head + "\n\n")
    kind = behaviour[0]
    if kind == "status":
        connection.sendall(f"HTTP/1.1 {behaviour[1]}\r\nContent-Length: 0\r\n\r\n".encode())
    elif kind == "no_upgrade":
        connection.sendall(f"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: {accept_for(head)}\r\n\r\n".encode())
    elif kind == "bad_accept":
        connection.sendall(upgraded("dGhlIHNhbXBsZSBub25jZQ==").encode())
    elif kind == "no_subprotocol":
        connection.sendall(upgraded(accept_for(head), protocol=False).encode())
    elif kind == "close":
        payload = struct.pack("!H", int(behaviour[1])) + behaviour[2].encode()
        connection.sendall(upgraded(accept_for(head)).encode() + bytes([0x88, len(payload)]) + payload)
        while connection.recv(4096):
            pass
    elif kind == "close_after_connack":
        connection.sendall(upgraded(accept_for(head)).encode())
        read_frame(connection)  # CONNECT
        connection.sendall(bytes([0x82, 5, 0x20, 0x03, 0x00, 0x00, 0x00]))  # CONNACK v5, success
        read_frame(connection)
        connection.sendall(close_frame(behaviour[1], behaviour[2]))
        while connection.recv(4096):
            pass
    elif kind == "stall":
        while connection.recv(4096):
            pass
    elif kind == "huge_head":
        connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nX-Filler: " + b"x" * 20480)
        while connection.recv(4096):
            pass
    elif kind == "close_mid_frame":
        connection.sendall(upgraded(accept_for(head)).encode() + bytes([0x82, 10, 0x20, 0x02]))


def forward(connection, head, port):
    upstream = socket.create_connection(("127.0.0.1", port))
    upstream.sendall(head.encode("latin-1") + b"\r\n\r\n")
    while True:
        readable, _, _ = select.select([connection, upstream], [], [])
        for source in readable:
            data = source.recv(65536)
            if not data:
                upstream.close()
                return
            (upstream if source is connection else connection).sendall(data)


def main():
    requests, behaviour = sys.argv[1], sys.argv[2:]
    forward_port, forwards_left = 0, 0
    if behaviour[0] == "forward":
        forward_port, forwards_left, behaviour = int(behaviour[1]), int(behaviour[2]), behaviour[3:]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        try:
            if forwards_left > 0:
                forwards_left -= 1
                head = read_head(connection)
                if head is not None:
                    forward(connection, head, forward_port)
            else:
                serve(connection, behaviour, requests)
        except OSError:
            pass
        connection.close()


main()
