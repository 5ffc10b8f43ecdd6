#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the MariaDB
captures in tests/data/wire/ (tests/tools/capture_mariadb.py), prefixed with the selector bytes
each target reads first (see the comment at the top of each fuzz_*.cpp). Seeds stay small: a
capture over MAX_SEED bytes is left out (the 17 MiB row, the 64 KiB strings).

Usage: make_corpus.py   (rewrites the corpus folders)
"""
import glob
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(HERE, "..", "data", "wire")
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED = 4096

# fuzz_response_tracker's shape selector: index into kShapes.
SHAPES = {"None": 0, "SinglePacket": 1, "ResultSets": 2, "Prepare": 3, "FieldList": 4,
          "Fetch": 5, "Auth": 6}
COMMAND_SHAPES = {
    "COM_QUERY": "ResultSets", "COM_STMT_EXECUTE": "ResultSets", "COM_STMT_PREPARE": "Prepare",
    "COM_FIELD_LIST": "FieldList", "COM_STMT_FETCH": "Fetch", "COM_CHANGE_USER": "Auth",
    "handshake response": "Auth", "COM_STMT_CLOSE": "None",
}
# Capability selector bits of fuzz_response_tracker (1: DEPRECATE_EOF, 2: SESSION_TRACK) and
# fuzz_generic_packets (1: PROTOCOL_41, 2: TRANSACTIONS, 4: SESSION_TRACK, 8: DEPRECATE_EOF).
TRACKER_CAPS = {"classic": 0, "deprecate_eof": 3}
PACKET_CAPS = {"classic": 3, "deprecate_eof": 15}


def decode(text):
    out = bytearray()
    for token in re.findall(r"\([0-9a-f]{2}\*\d+\)|[0-9a-f]{2}", text):
        if token.startswith("("):
            byte, count = token[1:-1].split("*")
            out += bytes([int(byte, 16)]) * int(count)
        else:
            out.append(int(token, 16))
    return bytes(out)


def load(path):
    meta, packets = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                key, _, value = line[1:].strip().partition(": ")
                meta[key] = value
            elif line[:1] in ("C", "S"):
                packets.append((line[0], decode(line[1:])))
    return meta, packets


def write(target, name, data):
    if len(data) > MAX_SEED:
        return
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    for target in ("fuzz_packet_framing", "fuzz_handshake", "fuzz_response_tracker",
                   "fuzz_generic_packets"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.hex"))):
        name = os.path.basename(path)[:-len(".hex")]
        variant = name.rsplit(".", 1)[1]
        meta, packets = load(path)
        server = b"".join(p for d, p in packets if d == "S")
        command = meta.get("command", "")

        write("fuzz_packet_framing", name, b"\x05" + server)  # limit selector 5: no limit
        shape = COMMAND_SHAPES.get(command, "SinglePacket")
        if command != "greeting" and server:
            write("fuzz_response_tracker", name,
                  bytes([SHAPES[shape], TRACKER_CAPS[variant], len(name)]) + server)
        last = server_payloads(server)[-1:] if server else []
        if last and last[0][:1] in (b"\x00", b"\xfe", b"\xff"):
            write("fuzz_generic_packets", name, bytes([PACKET_CAPS[variant]]) + last[0])
        if command == "greeting":
            write("fuzz_handshake", name, b"\0" * 8 + server[4:])
        elif command == "handshake response":
            response = [p for d, p in packets if d == "C"][0][4:]
            write("fuzz_handshake", name, response[:4] + b"\0" * 4 + response)
        if command in ("COM_CHANGE_USER", "handshake response") and server[4:5] == b"\xfe":
            write("fuzz_handshake", name + ".switch", b"\0" * 8 + server_payloads(server)[0])
        client = [p for d, p in packets if d == "C"]
        if client and command.startswith("COM_"):
            write("fuzz_generic_packets", name + ".command",
                  bytes([PACKET_CAPS[variant]]) + client[0][4:])


def server_payloads(stream):
    out, current, pos = [], b"", 0
    while pos + 4 <= len(stream):
        length = int.from_bytes(stream[pos:pos + 3], "little")
        current += stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        if length < 0xFFFFFF:
            out.append(current)
            current = b""
    return out


if __name__ == "__main__":
    main()
