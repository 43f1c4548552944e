/* SPDX-License-Identifier: MIT */
/* The checksum key: random per process, drawn before the first chunk. */
#include "checksum.h"

#include "../base/compiler.h"

HG_START_STATE uint64_t hg_checksum_key;
uint16_t hg_checksum_inuse_mask = 0x5a3c;
