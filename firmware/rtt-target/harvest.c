#include "harvest.h"
#include "rtt.h"

#define CHANNEL 1u
#define SAMPLES 25u
#define TICKS_PER_FRAME 250u /* 25 samples 10 us apart on the 1 MHz device clock */
#define PAYLOAD (SAMPLES * 8u)
#define FRAME_BYTES (PAYLOAD + 13u)

static uint16_t crc_table[256];
static struct {
  int running;
  uint32_t frame, limit, interval_us, next_due_us, lost, sent;
} state;

/* CRC-16/IBM-3740 (CCITT-FALSE): poly 0x1021, init 0xFFFF, no reflection, no final xor. */
void harvest_init(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint16_t crc = (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    crc_table[b] = crc;
  }
}

static uint16_t crc16(const uint8_t *p, uint32_t len) {
  uint16_t crc = 0xFFFF;
  while (len--) crc = (uint16_t)((crc << 8) ^ crc_table[((crc >> 8) ^ *p++) & 0xFF]);
  return crc;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

void harvest_start(uint32_t frames, uint32_t interval_us) {
  state.running = 1;
  state.frame = 0;
  state.limit = frames;
  state.interval_us = interval_us;
  state.lost = 0;
  state.sent = 0;
  state.next_due_us = 0;
}

void harvest_stop(void) { state.running = 0; }
int harvest_running(void) { return state.running; }
uint32_t harvest_lost(void) { return state.lost; }
uint32_t harvest_sent(void) { return state.sent; }

void harvest_step(uint32_t now_us) {
  static uint8_t frame[FRAME_BYTES];
  if (!state.running) return;
  if (state.interval_us != 0) {
    if (state.frame == 0) state.next_due_us = now_us;
    if ((int32_t)(now_us - state.next_due_us) < 0) return;
    state.next_due_us += state.interval_us;
  }
  uint32_t f = state.frame;
  frame[0] = 0x7B;
  frame[1] = 0x01;
  put16(frame + 2, f & 0xFFFF);
  put32(frame + 4, f * TICKS_PER_FRAME);
  put16(frame + 8, PAYLOAD);
  for (uint32_t i = 0; i < SAMPLES; i++) {
    uint32_t n = f * SAMPLES + i;
    put32(frame + 10 + i * 8, n * 2654435761u);
    put32(frame + 14 + i * 8, n * 40503u + 12345u);
  }
  put16(frame + 10 + PAYLOAD, crc16(frame + 1, 9 + PAYLOAD));
  frame[12 + PAYLOAD] = 0x7D;
  /* The last frame of a limited sequence always arrives (written as in block_if_full), so the host
     can tell the sequence is over whatever the mode lost before it. */
  int last = state.limit != 0 && f + 1 == state.limit;
  uint32_t written = last ? rtt_write_blocking(CHANNEL, frame, FRAME_BYTES) : rtt_write(CHANNEL, frame, FRAME_BYTES);
  if (written == FRAME_BYTES) state.sent++;
  else state.lost++;
  state.frame++;
  if (state.limit != 0 && state.frame == state.limit) state.running = 0;
}
