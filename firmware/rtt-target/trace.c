#include "trace.h"
#include "rtt.h"

#define CHANNEL 2u
#define HYPERPERIOD_US 10000u
#define SYMBOL_BYTES 32u
#define EVENT_TRACE_START 0x001u
#define EVENT_TASK_ACTIVATE 0x037u

struct task { uint32_t handle, priority; const char *name; };
static const struct task tasks[] = {
  { 0x1001, 0, "IDLE" }, { 0x1002, 3, "sensor" }, { 0x1003, 2, "radio" }, { 0x1004, 1, "logger" },
};
#define TASK_COUNT (sizeof tasks / sizeof tasks[0])

/* Switch-ins within one 10 ms hyperperiod: sensor 40 %, radio 10 %, logger 5 %, IDLE 45 %. */
struct slot { uint32_t at_us; uint32_t task; };
static const struct slot schedule[] = {
  { 0, 1 }, { 2000, 0 }, { 3000, 2 }, { 4000, 0 }, { 5000, 1 }, { 7000, 3 }, { 7500, 0 },
};
#define SLOTS (sizeof schedule / sizeof schedule[0])

static struct {
  int running;
  uint32_t start_us, hyperperiods, period, slot;
  uint16_t count;
} state;

static uint8_t *put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
  return p + 4;
}
static uint8_t *put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
  return p + 2;
}

/* Event: u16 code (id | params << 12), u16 event count, u32 timestamp, params. A skipped write
   still uses up its count, so the host sees the gap. */
static void event(uint32_t id, uint32_t ts, uint32_t nparams, const uint32_t *params) {
  uint8_t buf[8 + 4 * 4];
  uint8_t *p = put16(buf, id | (nparams << 12));
  p = put16(p, ++state.count);
  p = put32(p, ts);
  for (uint32_t i = 0; i < nparams; i++) p = put32(p, params[i]);
  rtt_write(CHANNEL, buf, (uint32_t)(p - buf));
}

static void header(void) {
  uint8_t buf[72 + TASK_COUNT * (8 + 12 + SYMBOL_BYTES)];
  uint8_t *p = buf;
  p = put32(p, 0x50534600u);            /* PSF word, little-endian target */
  p = put16(p, 10);                     /* format version */
  p = put16(p, 0x1AA1);                 /* kernel: FreeRTOS */
  p = put32(p, 0);                      /* options */
  p = put32(p, 1);                      /* cores */
  p = put32(p, 0);                      /* ISR tail-chaining threshold */
  const char platform[8] = "FreeRTOS";
  for (int i = 0; i < 8; i++) *p++ = (uint8_t)platform[i];
  p = put32(p, 1u << 24);               /* platform version 1.0.0 */
  p = put32(p, 1);                      /* timer: free-running 32-bit, incrementing */
  p = put32(p, 1000000);                /* timer frequency, Hz */
  p = put32(p, 0);                      /* timer period */
  p = put32(p, 0);                      /* timer wraparounds */
  p = put32(p, 1000);                   /* OS tick rate, Hz */
  p = put32(p, 0);                      /* latest timestamp */
  p = put32(p, 0);                      /* OS tick count */
  p = put32(p, TASK_COUNT);             /* entry table: entries, symbol size, states */
  p = put32(p, SYMBOL_BYTES);
  p = put32(p, 3);
  for (unsigned t = 0; t < TASK_COUNT; t++) {
    p = put32(p, tasks[t].handle);
    p = put32(p, tasks[t].priority);
    p = put32(p, 0);
    p = put32(p, 0);
    p = put32(p, 0);                    /* options */
    const char *name = tasks[t].name;
    for (unsigned i = 0; i < SYMBOL_BYTES; i++) *p++ = (uint8_t)(*name ? *name++ : 0);
  }
  rtt_write(CHANNEL, buf, (uint32_t)(p - buf));
}

void trace_start(uint32_t now_us, uint32_t hyperperiods) {
  state.running = 1;
  state.start_us = now_us;
  state.hyperperiods = hyperperiods;
  state.period = 0;
  state.slot = 0;
  state.count = 0;
  header();
  uint32_t idle = tasks[0].handle;
  event(EVENT_TRACE_START, 0, 1, &idle);
}

void trace_stop(void) { state.running = 0; }

void trace_step(uint32_t now_us) {
  while (state.running) {
    uint32_t at = state.period * HYPERPERIOD_US + schedule[state.slot].at_us;
    if ((int32_t)(now_us - state.start_us - at) < 0) return;
    const struct task *t = &tasks[schedule[state.slot].task];
    uint32_t params[2] = { t->handle, t->priority };
    event(EVENT_TASK_ACTIVATE, at, 2, params);
    if (++state.slot == SLOTS) {
      state.slot = 0;
      if (++state.period == state.hyperperiods) state.running = 0;
    }
  }
}
