/* Vector table, reset and the SysTick time base for the RTT test target. */
#include <stdint.h>
#include "clock.h"

extern uint32_t _stack_top, _data_start, _data_end, _data_load, _bss_start, _bss_end;
extern int main(void);

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)

/* mps2-an385 runs its core (and so SysTick with CLKSOURCE=1) at 25 MHz. */
#define CPU_HZ 25000000u
#define TICKS_PER_MS (CPU_HZ / 1000u)

static volatile uint32_t milliseconds;

void systick_handler(void) { milliseconds++; }

uint32_t clock_us(void) {
  uint32_t ms, count;
  do {  /* read again if the millisecond ticked over between the two reads */
    ms = milliseconds;
    count = SYST_CVR;
  } while (ms != milliseconds);
  return ms * 1000u + (TICKS_PER_MS - 1u - count) / (TICKS_PER_MS / 1000u);
}

static void hang(void) { for (;;) {} }

void reset_handler(void) {
  uint32_t *src = &_data_load, *dst = &_data_start;
  while (dst < &_data_end) *dst++ = *src++;
  for (dst = &_bss_start; dst < &_bss_end; dst++) *dst = 0;
  SYST_RVR = TICKS_PER_MS - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt, enable */
  main();
  hang();
}

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
  (void (*)(void))&_stack_top, reset_handler, hang, hang, hang, hang, hang, 0,
  0, 0, 0, hang, hang, 0, hang, systick_handler,
};
