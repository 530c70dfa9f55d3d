/*
 * RTT test target: waits for commands on down channel 0 and streams reference-protocol sample
 * frames on up channel 1 and a TraceRecorder event stream on up channel 2; up channel 0 is a text
 * terminal. Commands and output are described in README.md.
 */
#include "clock.h"
#include "harvest.h"
#include "rtt.h"
#include "trace.h"

#define COMMAND_BYTES 9u

static void say(const char *text) {
  uint32_t n = 0;
  while (text[n]) n++;
  rtt_write(0, text, n);
}

static void say_number(uint32_t v) {
  char digits[11];
  int i = 10;
  digits[i] = 0;
  do { digits[--i] = (char)('0' + v % 10); v /= 10; } while (v);
  say(digits + i);
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void command(const uint8_t *c) {
  uint32_t a = get32(c + 1), b = get32(c + 5);
  switch (c[0]) {
  case 'H': harvest_start(a, b); say("harvest started\n"); break;
  case 'T': trace_start(clock_us(), a); say("trace started\n"); break;
  case 'S': harvest_stop(); trace_stop(); say("stopped\n"); break;
  case 'R': /* system reset request, as a watchdog or a firmware update would cause */
    *(volatile uint32_t *)0xE000ED0Cu = 0x05FA0004u;
    for (;;) {}
  default: say("unknown command\n"); break;
  }
}

int main(void) {
  uint8_t pending[COMMAND_BYTES];
  uint32_t have = 0;
  int was_running = 0;
  harvest_init();
  /* Like firmware that brings up clocks and peripherals first: RTT exists only 250 ms after reset,
     so a host that attaches at reset has to look for the control block again. */
  while (clock_us() < 250000u) {}
  rtt_init();
  say("rtt-target ready\n");
  for (;;) {
    if (rtt_down_available(0) > 0) {
      have += rtt_read(0, pending + have, COMMAND_BYTES - have);
      if (have == COMMAND_BYTES) {
        command(pending);
        have = 0;
      }
    }
    uint32_t now = clock_us();
    harvest_step(now);
    trace_step(now);
    if (was_running && !harvest_running()) {
      say("harvest done: ");
      say_number(harvest_sent());
      say(" sent, ");
      say_number(harvest_lost());
      say(" lost\n");
    }
    was_running = harvest_running();
  }
}
