import { readFile } from 'node:fs/promises';

/** ELF files larger than this are refused (a firmware image is far smaller). */
const MAX_ELF_BYTES = 256 * 1024 * 1024;
const SHT_SYMTAB = 2;

/**
 * Finds a symbol's address in a 32-bit little-endian ELF (a Cortex-M firmware image): reads the
 * section headers, takes the symbol table and its string table, and looks the name up. Throws with
 * the file's name when the file is not such an ELF or has no such symbol (a stripped image).
 */
export async function elfSymbolAddress(file: string, symbol: string): Promise<number> {
  const data = await readFile(file);
  if (data.length > MAX_ELF_BYTES) throw new Error(`${file}: ${data.length} bytes is too large for a firmware ELF`);
  if (data.length < 52 || data.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  if (data[4] !== 1 || data[5] !== 1) throw new Error(`${file} is not a 32-bit little-endian ELF (RTT on 64-bit targets is not supported)`);
  const shoff = data.readUInt32LE(0x20);
  const shentsize = data.readUInt16LE(0x2e);
  const shnum = data.readUInt16LE(0x30);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    if (at + 40 > data.length) throw new Error(`${file}: section header ${i} lies past the end of the file`);
    return { type: data.readUInt32LE(at + 4), offset: data.readUInt32LE(at + 16), size: data.readUInt32LE(at + 20), link: data.readUInt32LE(at + 24) };
  };
  const wanted = Buffer.from(`${symbol}\0`, 'latin1');
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB) continue;
    const strtab = section(symtab.link);
    if (symtab.offset + symtab.size > data.length || strtab.offset + strtab.size > data.length) throw new Error(`${file}: symbol table lies past the end of the file`);
    for (let at = symtab.offset; at + 16 <= symtab.offset + symtab.size; at += 16) {
      const name = strtab.offset + data.readUInt32LE(at);
      if (name + wanted.length <= data.length && data.compare(wanted, 0, wanted.length, name, name + wanted.length) === 0) return data.readUInt32LE(at + 4);
    }
  }
  throw new Error(`${file} has no symbol ${symbol} (stripped image, or RTT not linked in)`);
}
