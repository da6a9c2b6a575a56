// SPDX-License-Identifier: GPL-2.0
/*
 * How many movable boot blocks are left to consume: the guest's plan
 * runner (run-plan.sh) asks before and after each program, to hold each
 * to its boot-block budget (ci/plans.json). Prints the count, or
 * "unknown" when the test driver is not loaded (a stock kernel, where
 * nothing can be consumed and the programs report the refusal).
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "lib/cycle.h"

int main(void)
{
	int n = cycle_consumable_boot_blocks();

	if (n < 0)
		printf("unknown\n");
	else
		printf("%d\n", n);
	return 0;
}
