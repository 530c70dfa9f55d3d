#ifndef HARVEST_H
#define HARVEST_H
#include <stdint.h>
/* Reference-protocol sample frames on an up channel; see README.md for the generator. */
void harvest_init(void);
/* Restarts the sequence at frame 0: `frames` frames (0: no end), one every `interval_us` (0: back to back). */
void harvest_start(uint32_t frames, uint32_t interval_us);
void harvest_stop(void);
/* Sends the next frame when it is due. */
void harvest_step(uint32_t now_us);
/* Frames a no_block_skip/no_block_trim channel could not take (whole or part) since the start. */
uint32_t harvest_lost(void);
uint32_t harvest_sent(void);
int harvest_running(void);
#endif
