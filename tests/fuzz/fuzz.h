/*
 * fuzz.h -- what every libFuzzer harness under tests/fuzz shares.  A
 * harness #includes the module it fuzzes (as the unit tests do), defines
 * LLVMFuzzerInitialize and LLVMFuzzerTestOneInput, and states what must
 * hold with FUZZ_CHECK: a broken invariant aborts, so libFuzzer keeps the
 * input and the unit tier (replay.c) replays it from tests/fuzz/regress.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#endif
