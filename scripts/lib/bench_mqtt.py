"""Just enough MQTT for the benchmarks: encode QoS 0 PUBLISH packets, serve them, publish them.

    bench_mqtt.py serve PORT_FILE COUNT      a minimal server sending COUNT messages to each subscriber
    bench_mqtt.py publish PORT COUNT LEVEL   publishes COUNT messages to a broker (LEVEL 4 or 5)
    bench_mqtt.py payload-size               the bytes of one message's payload
"""
import socket
import struct
import sys

PAYLOAD = b"bench message %09d, payload of about 48 bytes"


def varint(value):
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def packet(kind, body):
    return bytes([kind]) + varint(len(body)) + body


def string(text):
    return struct.pack("!H", len(text)) + text


def publishes(count, level):
    topic = string(b"bench/data") + (b"\0" if level == 5 else b"")
    return b"".join(packet(0x30, topic + PAYLOAD % i) for i in range(1, count + 1))


def read_packet(conn):
    header = conn.recv(1)
    if not header:
        return None, b""
    length, shift = 0, 0
    while True:
        byte = conn.recv(1)[0]
        length += (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None, b""
        body += chunk
    return header[0], body


def serve(port_file, count):
    """Serves each connection: CONNACK, SUBACK, then the messages; until killed."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    with open(port_file, "w") as out:
        out.write(str(server.getsockname()[1]))
    streams = {}
    while True:
        conn, _ = server.accept()
        kind, body = read_packet(conn)
        level = body[6]  # after the protocol name "MQTT"
        conn.sendall(bytes([0x20, 3, 0, 0, 0]) if level == 5 else bytes([0x20, 2, 0, 0]))
        while True:
            kind, body = read_packet(conn)
            if kind is None or kind & 0xF0 == 0x80:
                break
        if kind is None:
            conn.close()
            continue
        suback = body[:2] + (b"\0" if level == 5 else b"") + b"\0"
        conn.sendall(packet(0x90, suback))
        if level not in streams:
            streams[level] = publishes(count, level)
        try:
            conn.sendall(streams[level])
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()


def publish(port, count, level):
    """Publishes the messages to a real broker through one connection, as fast as it takes them."""
    conn = socket.create_connection(("127.0.0.1", port))
    properties = b"\0" if level == 5 else b""
    conn.sendall(packet(0x10, string(b"MQTT") + bytes([level, 2]) + struct.pack("!H", 60) + properties + string(b"")))
    kind, _ = read_packet(conn)
    assert kind == 0x20, "no CONNACK"
    stream = publishes(count, level)
    for start in range(0, len(stream), 1 << 20):
        conn.sendall(stream[start:start + (1 << 20)])
    conn.sendall(bytes([0xE0, 0]))
    conn.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "payload-size":
        print(len(PAYLOAD % 1))
    else:
        publish(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
