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

/*
 * The clock counts SysTick's current value down from its 24-bit reload instead of counting
 * interrupts: QEMU computes the value from its virtual clock when it is read, while a late timer
 * interrupt on a busy host would lose time. The main loop reads it far more often than the
 * 0.67 s the counter takes to wrap.
 */
#define SYSTICK_RELOAD 0xFFFFFFu

uint32_t clock_us(void) {
  static uint32_t last, remainder, us, started;
  uint32_t now = SYST_CVR;
  if (!started) { /* the count just after enable can be anything up to the reload: start from it */
    started = 1;
    last = now;
  }
  remainder += (last - now) & SYSTICK_RELOAD;
  last = now;
  us += remainder / (CPU_HZ / 1000000u);
  remainder %= CPU_HZ / 1000000u;
  return us;
}

static void hang(void) { for (;;) {} }

void reset_handler(void) {
  uint32_t *src = &_data_load, *dst = &_data_start;
  while (dst < &_data_end) *dst++ = *src++;
  for (dst = &_bss_start; dst < &_bss_end; dst++) *dst = 0;
  SYST_RVR = SYSTICK_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 5; /* processor clock, no interrupt, enable */
  main();
  hang();
}

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
  (void (*)(void))&_stack_top, reset_handler, hang, hang, hang, hang, hang, 0,
  0, 0, 0, hang, hang, 0, hang, hang,
};
