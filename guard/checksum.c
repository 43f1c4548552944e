/* SPDX-License-Identifier: MIT */
/* The checksum key: random per process, drawn before the first chunk. */
#include "checksum.h"

uint64_t hg_checksum_key;
