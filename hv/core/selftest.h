/* SPDX-License-Identifier: MIT */
/*
 * Boot-time checks that the machinery every later layer relies on works:
 * the one-shot timer fires on every CPU at the programmed period, and IPIs
 * reach every CPU. Their log lines are what the integration tests read.
 */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

/* Returns 0 if every online CPU passed, else -ETIMEDOUT (and logs which). */
int selftest_timers(void);
int selftest_ipis(void);

/*
 * The debug_fault= command-line option: fault on purpose so the panic path
 * can be tested, on the CPU named by debug_fault_cpu= (default 0). Does
 * nothing if the option is absent.
 */
void debug_fault_maybe(const char *cmdline);

#endif
