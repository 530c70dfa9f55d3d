#ifndef TRACE_H
#define TRACE_H
#include <stdint.h>
/* A minimal TraceRecorder streaming (PSF v10) writer for a fixed task schedule; see README.md. */
void trace_start(uint32_t now_us, uint32_t hyperperiods);
void trace_stop(void);
void trace_step(uint32_t now_us);
#endif
