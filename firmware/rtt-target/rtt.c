#include "rtt.h"

#define TERMINAL_SIZE 512u
#define HARVEST_SIZE 65536u
#define TRACE_SIZE 4096u
#define COMMAND_SIZE 64u

static uint8_t terminal_buffer[TERMINAL_SIZE];
static uint8_t harvest_buffer[HARVEST_SIZE];
static uint8_t trace_buffer[TRACE_SIZE];
static uint8_t command_buffer[COMMAND_SIZE];

/* In .bss, so RAM holds no ID until rtt_init has filled in everything else. */
struct rtt_control_block _SEGGER_RTT;

static void set_channel(struct rtt_channel *c, const char *name, uint8_t *buffer, uint32_t size, uint32_t flags) {
  c->name = name;
  c->buffer = buffer;
  c->size = size;
  c->wr_off = 0;
  c->rd_off = 0;
  c->flags = flags;
}

void rtt_init(void) {
  struct rtt_control_block *cb = &_SEGGER_RTT;
  cb->max_up = RTT_UP_CHANNELS;
  cb->max_down = RTT_DOWN_CHANNELS;
  set_channel(&cb->up[0], "Terminal", terminal_buffer, TERMINAL_SIZE, RTT_MODE_NO_BLOCK_SKIP);
  set_channel(&cb->up[1], "Harvest", harvest_buffer, HARVEST_SIZE, RTT_MODE_NO_BLOCK_SKIP);
  set_channel(&cb->up[2], "TzData", trace_buffer, TRACE_SIZE, RTT_MODE_NO_BLOCK_SKIP);
  set_channel(&cb->down[0], "Commands", command_buffer, COMMAND_SIZE, RTT_MODE_NO_BLOCK_SKIP);
  /* The ID goes in last, back to front, so a host scanning RAM never finds a half-made block and
     the full ID string exists nowhere else in RAM. */
  static const char id[] = "SEGGER RTT";
  __asm volatile("dmb" ::: "memory");
  for (int i = 15; i >= 0; i--) ((volatile char *)cb->id)[i] = i < 10 ? id[i] : 0;
  __asm volatile("dmb" ::: "memory");
}

static uint32_t free_space(const struct rtt_channel *c) {
  uint32_t rd = c->rd_off, wr = c->wr_off;
  return rd > wr ? rd - wr - 1u : c->size - (wr - rd) - 1u;
}

/* Copies what fits contiguously and then wrapped; the data lands before WrOff moves. */
static void put(struct rtt_channel *c, const uint8_t *data, uint32_t len) {
  uint32_t wr = c->wr_off;
  while (len > 0) {
    uint32_t chunk = c->size - wr;
    if (chunk > len) chunk = len;
    for (uint32_t i = 0; i < chunk; i++) c->buffer[wr + i] = data[i];
    wr += chunk;
    if (wr == c->size) wr = 0;
    data += chunk;
    len -= chunk;
  }
  __asm volatile("dmb" ::: "memory");
  c->wr_off = wr;
}

uint32_t rtt_write_blocking(unsigned index, const void *data, uint32_t len) {
  struct rtt_channel *c = &_SEGGER_RTT.up[index];
  const uint8_t *bytes = data;
  uint32_t left = len;
  while (left > 0) {
    uint32_t room = free_space(c);
    if (room == 0) continue; /* the host drains the buffer while we spin */
    if (room > left) room = left;
    put(c, bytes, room);
    bytes += room;
    left -= room;
  }
  return len;
}

uint32_t rtt_write(unsigned index, const void *data, uint32_t len) {
  struct rtt_channel *c = &_SEGGER_RTT.up[index];
  const uint8_t *bytes = data;
  switch (c->flags & RTT_MODE_MASK) {
  case RTT_MODE_BLOCK_IF_FULL:
    return rtt_write_blocking(index, data, len);
  case RTT_MODE_NO_BLOCK_TRIM: {
    uint32_t room = free_space(c);
    if (room > len) room = len;
    put(c, bytes, room);
    return room;
  }
  default: /* no_block_skip: all or nothing */
    if (free_space(c) < len) return 0;
    put(c, bytes, len);
    return len;
  }
}

uint32_t rtt_down_available(unsigned index) {
  const struct rtt_channel *c = &_SEGGER_RTT.down[index];
  uint32_t rd = c->rd_off, wr = c->wr_off;
  return wr >= rd ? wr - rd : c->size - rd + wr;
}

uint32_t rtt_read(unsigned index, void *data, uint32_t len) {
  struct rtt_channel *c = &_SEGGER_RTT.down[index];
  uint8_t *out = data;
  uint32_t n = 0, rd = c->rd_off;
  while (n < len && rd != c->wr_off) {
    out[n++] = c->buffer[rd];
    if (++rd == c->size) rd = 0;
  }
  __asm volatile("dmb" ::: "memory");
  c->rd_off = rd;
  return n;
}
