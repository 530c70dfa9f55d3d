#ifndef RTT_H
#define RTT_H
#include <stdint.h>

/*
 * A SEGGER-RTT-compatible control block (the layout every RTT host reads), written from scratch:
 * a 16-byte ID, the channel counts, then one 24-byte descriptor per up (target -> host) and down
 * (host -> target) channel. The host reads up buffers and moves RdOff; it writes down buffers and
 * moves WrOff. Flags bits 0-1 pick what a write does when the buffer is full.
 */
#define RTT_UP_CHANNELS 3
#define RTT_DOWN_CHANNELS 1

#define RTT_MODE_NO_BLOCK_SKIP 0u
#define RTT_MODE_NO_BLOCK_TRIM 1u
#define RTT_MODE_BLOCK_IF_FULL 2u
#define RTT_MODE_MASK 3u

struct rtt_channel {
  const char *name;
  uint8_t *buffer;
  uint32_t size;
  volatile uint32_t wr_off;
  volatile uint32_t rd_off;
  volatile uint32_t flags;
};

struct rtt_control_block {
  char id[16];
  int32_t max_up;
  int32_t max_down;
  struct rtt_channel up[RTT_UP_CHANNELS];
  struct rtt_channel down[RTT_DOWN_CHANNELS];
};

extern struct rtt_control_block _SEGGER_RTT;

void rtt_init(void);
/* Writes `len` bytes to up channel `index` by the channel's mode; returns the bytes written. */
uint32_t rtt_write(unsigned index, const void *data, uint32_t len);
/* Writes all `len` bytes, waiting for room whatever the channel's mode. */
uint32_t rtt_write_blocking(unsigned index, const void *data, uint32_t len);
/* Bytes readable on down channel `index`. */
uint32_t rtt_down_available(unsigned index);
/* Reads up to `len` bytes from down channel `index`; returns the bytes read. */
uint32_t rtt_read(unsigned index, void *data, uint32_t len);
#endif
