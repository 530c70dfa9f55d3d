/*
 * C reference peer: what the harvest job costs without any framework. Reads the reference byte
 * stream in blocks, scans for frames (0x7B, u16 length at offset 8, 0x7D at the end), checks the
 * CRC-16/IBM-3740 (table-driven, one byte per step) over bytes 1 .. 9+N, unpacks the 25 samples of
 * each frame into columns, then either stops there (--no-write: frame + CRC + decode only) or
 * unwraps the u32 tick counter, calibrates (V = raw * 3e-9, I = raw * 250e-12) and appends the
 * columns t_ns (int64), voltage and current (float64) to raw binary files in OUTDIR.
 *
 *   harvest INPUT OUTDIR [--no-write] [--max-bytes N]
 *
 * Prints one JSON line: frames good/bad, samples, sums of the raw values (to compare decoders).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (4u << 20)
#define MAX_PAYLOAD 4096u
#define OVERHEAD 13u

static uint16_t crc_table[256];

static void crc_init(void) {
  for (unsigned i = 0; i < 256; i++) {
    uint16_t r = (uint16_t)(i << 8);
    for (int b = 0; b < 8; b++) r = (r & 0x8000) ? (uint16_t)((r << 1) ^ 0x1021) : (uint16_t)(r << 1);
    crc_table[i] = r;
  }
}

static uint16_t crc16(const uint8_t *p, size_t n) {
  uint16_t c = 0xFFFF;
  while (n--) c = (uint16_t)((c << 8) ^ crc_table[(c >> 8) ^ *p++]);
  return c;
}

static inline uint32_t u32le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint16_t u16le(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

struct columns {
  size_t n, cap;
  uint32_t *ticks, *index, *v_raw, *i_raw;
  int64_t *t_ns;
  double *v, *i;
};

static void grow(struct columns *c, size_t need) {
  if (need <= c->cap) return;
  while (c->cap < need) c->cap = c->cap ? c->cap * 2 : 1u << 16;
  c->ticks = realloc(c->ticks, c->cap * 4);
  c->index = realloc(c->index, c->cap * 4);
  c->v_raw = realloc(c->v_raw, c->cap * 4);
  c->i_raw = realloc(c->i_raw, c->cap * 4);
  c->t_ns = realloc(c->t_ns, c->cap * 8);
  c->v = realloc(c->v, c->cap * 8);
  c->i = realloc(c->i, c->cap * 8);
  if (!c->ticks || !c->index || !c->v_raw || !c->i_raw || !c->t_ns || !c->v || !c->i) { perror("realloc"); exit(1); }
}

static FILE *open_out(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(1); }
  return f;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: harvest INPUT OUTDIR [--no-write] [--max-bytes N]\n"); return 2; }
  int write_out = 1;
  unsigned long long max_bytes = 0;
  for (int a = 3; a < argc; a++) {
    if (!strcmp(argv[a], "--no-write")) write_out = 0;
    else if (!strcmp(argv[a], "--max-bytes") && a + 1 < argc) max_bytes = strtoull(argv[++a], 0, 10);
  }
  crc_init();
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  FILE *ft = 0, *fv = 0, *fi = 0;
  if (write_out) { ft = open_out(argv[2], "t_ns.bin"); fv = open_out(argv[2], "voltage.bin"); fi = open_out(argv[2], "current.bin"); }

  uint8_t *buf = malloc(BLOCK + MAX_PAYLOAD + OVERHEAD);
  struct columns c = {0};
  size_t have = 0;
  unsigned long long total_in = 0, good = 0, bad = 0, skipped = 0, samples = 0, sum_v = 0, sum_i = 0;
  uint32_t last_ticks = 0;
  int64_t wraps = 0;
  int eof = 0;
  while (!eof || have > 0) {
    if (!eof) {
      size_t want = BLOCK;
      if (max_bytes && total_in + want > max_bytes) want = (size_t)(max_bytes - total_in);
      size_t got = want ? fread(buf + have, 1, want, in) : 0;
      if (got == 0) eof = 1;
      total_in += got;
      have += got;
    }
    size_t pos = 0;
    c.n = 0;
    while (pos + OVERHEAD <= have) {
      const uint8_t *start = memchr(buf + pos, 0x7B, have - pos);
      if (!start) { skipped += have - pos; pos = have; break; }
      skipped += (size_t)(start - (buf + pos));
      pos = (size_t)(start - buf);
      if (pos + OVERHEAD > have) break;
      uint32_t n = u16le(buf + pos + 8);
      if (n > MAX_PAYLOAD) { pos++; skipped++; continue; }
      size_t total = n + OVERHEAD;
      if (pos + total > have) {
        if (eof) { pos++; skipped++; continue; }
        break; /* completed by the next block */
      }
      if (buf[pos + total - 1] != 0x7D || crc16(buf + pos + 1, 9 + n) != u16le(buf + pos + 10 + n)) {
        if (buf[pos + total - 1] == 0x7D) bad++;
        pos++;
        skipped++;
        continue;
      }
      uint32_t ticks = u32le(buf + pos + 4);
      uint32_t k = n / 8;
      grow(&c, c.n + k);
      const uint8_t *p = buf + pos + 10;
      for (uint32_t s = 0; s < k; s++) {
        size_t r = c.n + s;
        c.ticks[r] = ticks;
        c.index[r] = s;
        c.v_raw[r] = u32le(p + 8 * s);
        c.i_raw[r] = u32le(p + 8 * s + 4);
        sum_v += c.v_raw[r];
        sum_i += c.i_raw[r];
      }
      c.n += k;
      good++;
      pos += total;
    }
    samples += c.n;
    if (write_out && c.n) {
      for (size_t r = 0; r < c.n; r++) {
        if (c.ticks[r] < last_ticks) wraps++;
        last_ticks = c.ticks[r];
        c.t_ns[r] = ((wraps << 32) + (int64_t)c.ticks[r]) * 1000 + (int64_t)c.index[r] * 10000;
        c.v[r] = c.v_raw[r] * 3e-9;
        c.i[r] = c.i_raw[r] * 250e-12;
      }
      fwrite(c.t_ns, 8, c.n, ft);
      fwrite(c.v, 8, c.n, fv);
      fwrite(c.i, 8, c.n, fi);
    }
    memmove(buf, buf + pos, have - pos);
    have -= pos;
    if (eof && have > 0 && have < OVERHEAD) { skipped += have; have = 0; }
  }
  if (write_out) { fclose(ft); fclose(fv); fclose(fi); }
  fclose(in);
  printf("{\"peer\":\"c\",\"bytes_in\":%llu,\"frames_good\":%llu,\"frames_bad\":%llu,\"resync_bytes\":%llu,\"samples\":%llu,"
         "\"sum_voltage_raw\":\"%llu\",\"sum_current_raw\":\"%llu\"}\n",
         total_in, good, bad, skipped, samples, sum_v, sum_i);
  return 0;
}
