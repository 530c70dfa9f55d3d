/**
 * Independent encoders for the byte-stuffing formats, written from the RFCs and the COBS paper, used
 * to build test streams and the COBS capture in pipelines/data.
 */

export function cobsEncode(data: Uint8Array): Buffer {
  const out: number[] = [];
  let codeAt = out.push(0) - 1;
  let code = 1;
  for (const byte of data) {
    if (byte === 0) {
      out[codeAt] = code;
      codeAt = out.push(0) - 1;
      code = 1;
      continue;
    }
    out.push(byte);
    code++;
    if (code === 0xff) {
      out[codeAt] = code;
      codeAt = out.push(0) - 1;
      code = 1;
    }
  }
  out[codeAt] = code;
  out.push(0x00);
  return Buffer.from(out);
}

export function slipEncode(data: Uint8Array): Buffer {
  const out: number[] = [0xc0];
  for (const byte of data) {
    if (byte === 0xc0) out.push(0xdb, 0xdc);
    else if (byte === 0xdb) out.push(0xdb, 0xdd);
    else out.push(byte);
  }
  out.push(0xc0);
  return Buffer.from(out);
}

/** HDLC-like framing: opening and closing flag, 0x7E and 0x7D (and control characters) escaped. */
export function hdlcEncode(data: Uint8Array): Buffer {
  const out: number[] = [0x7e];
  for (const byte of data) {
    if (byte === 0x7e || byte === 0x7d || byte < 0x20) out.push(0x7d, byte ^ 0x20);
    else out.push(byte);
  }
  out.push(0x7e);
  return Buffer.from(out);
}
