// The smallest event-stream codec a browser needs for Transcribe's WebSocket
// interface: encode an AudioEvent, decode the service's messages (string
// headers only, which is all the service sends). Each message is
//   total length (4) | headers length (4) | prelude CRC32 (4) |
//   headers | payload | message CRC32 (4), all big-endian.
const EventStream = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  function crc32(bytes) {
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  const text = new TextEncoder();
  const utf8 = new TextDecoder();

  function encodeHeaders(headers) {
    const parts = [];
    for (const [name, value] of Object.entries(headers)) {
      const n = text.encode(name);
      const v = text.encode(value);
      const part = new Uint8Array(1 + n.length + 1 + 2 + v.length);
      part[0] = n.length;
      part.set(n, 1);
      part[1 + n.length] = 7; // string
      new DataView(part.buffer).setUint16(2 + n.length, v.length);
      part.set(v, 4 + n.length);
      parts.push(part);
    }
    const size = parts.reduce((sum, p) => sum + p.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function encode(headers, payload) {
    const h = encodeHeaders(headers);
    const total = 12 + h.length + payload.length + 4;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, total);
    view.setUint32(4, h.length);
    view.setUint32(8, crc32(out.subarray(0, 8)));
    out.set(h, 12);
    out.set(payload, 12 + h.length);
    view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
    return out;
  }

  function audioEvent(pcm) {
    return encode(
      { ":content-type": "application/octet-stream", ":event-type": "AudioEvent", ":message-type": "event" },
      new Uint8Array(pcm),
    );
  }

  function decode(buffer) {
    const bytes = new Uint8Array(buffer);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const total = view.getUint32(0);
    const headersLength = view.getUint32(4);
    if (total !== bytes.length) throw new Error(`message length ${total} != frame length ${bytes.length}`);
    if (crc32(bytes.subarray(0, 8)) !== view.getUint32(8)) throw new Error("prelude CRC mismatch");
    if (crc32(bytes.subarray(0, total - 4)) !== view.getUint32(total - 4)) throw new Error("message CRC mismatch");
    const headers = {};
    let at = 12;
    const end = 12 + headersLength;
    while (at < end) {
      const nameLength = bytes[at];
      const name = utf8.decode(bytes.subarray(at + 1, at + 1 + nameLength));
      at += 1 + nameLength;
      const type = bytes[at];
      if (type !== 7) throw new Error(`header ${name} has type ${type}, not string`);
      const valueLength = view.getUint16(at + 1);
      headers[name] = utf8.decode(bytes.subarray(at + 3, at + 3 + valueLength));
      at += 3 + valueLength;
    }
    return { headers, payload: utf8.decode(bytes.subarray(end, total - 4)) };
  }

  return { audioEvent, decode, encode, crc32 };
})();
