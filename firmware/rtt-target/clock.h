#ifndef CLOCK_H
#define CLOCK_H
#include <stdint.h>
/* Microseconds since reset from SysTick (wraps after 71.6 minutes); stops while a debugger halts the
   core, and loses time only if not called for 0.67 s (the SysTick wrap). */
uint32_t clock_us(void);
#endif
