/* SPDX-License-Identifier: MIT */
/*
 * The boot sequence, in the order each layer needs the one before it:
 * console, boot information, CPU checks, ACPI, memory, paging, interrupts,
 * time, the other CPUs, self-tests. Each step that a machine or a loader
 * can fail ends in a one-line refusal and a clean halt, never a crash.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/clocksource.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/power.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/tsc.h"
#include "arch/x86/uart.h"
#include "arch/x86/virt.h"
#include "core/bootinfo.h"
#include "core/config.h"
#include "core/conmux.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/rtc.h"
#include "vdev/platform.h"
#include "core/partition.h"
#include "core/sched.h"
#include "core/console.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/panic.h"
#include "core/selftest.h"
#include "core/version.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"

#define ERR_MAX 160
#define ARG_MAX 32
#define LOW_4G GiB(4)
#define CPUID_1_EBX_APIC_ID_SHIFT 24
#define MHZ 1000000ull
#define KHZ 1000ull

void boot_main(uint32_t magic, uint32_t info_pa);

#define MODNAME_MAX 64

static struct config cfg;

static struct bootinfo bi;
static struct acpi_info ai;
static char err[ERR_MAX];

/* Before paging_init() the boot tables identity-map the first 4 GiB. */
static const void *early_map(uint64_t pa, uint64_t len)
{
	if (len > LOW_4G || pa > LOW_4G - len)
		return NULL;
	return phys_to_virt(pa);
}

static const struct {
	const char *name;
	uint16_t port;
} serial_ports[] = {
	{"com1", UART_COM1}, {"com2", UART_COM2}, {"com3", UART_COM3}, {"com4", UART_COM4},
};

/* console=com1..com4|0xPORT and baud=N; bad values keep COM1 at 115200. */
static void setup_console(const char *cmdline)
{
	char arg[ARG_MAX];
	uint16_t port = UART_COM1;
	uint64_t baud = UART_DEFAULT_BAUD, v;
	const char *bad_port = NULL, *bad_baud = NULL;
	int rc;

	if (cmdline_get(cmdline, "console", arg, sizeof(arg)) >= 0) {
		bool found = false;

		for (unsigned int i = 0; i < ARRAY_SIZE(serial_ports); i++) {
			if (strcmp(arg, serial_ports[i].name) == 0) {
				port = serial_ports[i].port;
				found = true;
			}
		}
		if (!found && parse_u64(arg, &v) == 0 && v > 0 && v <= UINT16_MAX) {
			port = (uint16_t)v;
			found = true;
		}
		if (!found)
			bad_port = "console= must be com1, com2, com3, com4 or an I/O port";
	}
	if (cmdline_get(cmdline, "baud", arg, sizeof(arg)) >= 0) {
		if (parse_u64(arg, &v) == 0 && v > 0 && v <= UART_BASE_CLOCK_BAUD &&
		    UART_BASE_CLOCK_BAUD % v == 0)
			baud = v;
		else
			bad_baud = "baud= must divide 115200 (115200, 57600, 38400, 19200, 9600...)";
	}
	if (bad_port || bad_baud) {
		port = UART_COM1;
		baud = UART_DEFAULT_BAUD;
	}
	rc = console_init(port, (uint32_t)baud);
	if (rc) {
		console_init(UART_COM1, UART_DEFAULT_BAUD);
		bad_port = "no UART answers at the console= port";
	}
	if (bad_port)
		pr_warn("%s; using COM1 at 115200\n", bad_port);
	if (bad_baud)
		pr_warn("%s; using COM1 at 115200\n", bad_baud);
}

static void setup_loglevel(const char *cmdline)
{
	char arg[ARG_MAX];
	enum log_level lvl;

	if (cmdline_get(cmdline, "loglevel", arg, sizeof(arg)) < 0)
		return;
	if (log_level_parse(arg, &lvl) == 0)
		log_set_level(lvl);
	else
		pr_warn("loglevel=%s: expected error, warn, info or debug\n", arg);
}

static void discover_acpi(void)
{
	const void *rsdp;
	uint64_t rsdp_pa = 0;
	size_t len;
	int rc;

	if (bi.rsdp_len) {
		rsdp = bi.rsdp;
		len = bi.rsdp_len;
	} else {
		if (acpi_rsdp_search(early_map, &rsdp_pa) != 0)
			refuse("no ACPI tables found (no RSDP from the boot loader or in the "
			       "BIOS areas); Bulkhead needs ACPI to find the CPUs");
		len = ACPI_RSDP_V2_LEN;
		rsdp = early_map(rsdp_pa, len);
	}
	rc = acpi_parse(rsdp, len, rsdp_pa, early_map, &ai, err, sizeof(err));
	if (rc)
		refuse("ACPI tables unusable: %s", err);
	for (unsigned int i = 0; i < ai.nwarnings; i++)
		pr_warn("acpi: %s\n", ai.warnings[i]);
	if (rsdp_pa)
		pr_info("acpi: RSDP found at %#llx in the BIOS area\n", (unsigned long long)rsdp_pa);
	else
		pr_info("acpi: RSDP passed by the boot loader\n");
	pr_info("acpi: %s RSDP revision %u, %s, %u tables\n", ai.oem_id, ai.revision,
		ai.used_xsdt ? "XSDT" : "RSDT", ai.ntables);
	pr_info("acpi: MADT: %u CPUs, %u IO-APICs, %u interrupt overrides, local APIC at "
		"%#llx\n",
		ai.ncpus, ai.nioapics, ai.nisos, (unsigned long long)ai.lapic_addr);
	for (unsigned int i = 0; i < ai.nioapics; i++)
		pr_info("acpi: IO-APIC id %u at %#x, GSI base %u\n", ai.ioapics[i].id,
			ai.ioapics[i].addr, ai.ioapics[i].gsi_base);
	for (unsigned int i = 0; i < ai.nisos; i++)
		pr_info("acpi: override: ISA IRQ %u -> GSI %u, flags %#x\n", ai.isos[i].source,
			ai.isos[i].gsi, ai.isos[i].flags);
	power_init(&ai);
	if (ai.has_s5)
		pr_info("acpi: soft-off (S5): SLP_TYP %u to PM1a_CNT port %#x\n", ai.s5_slp_typa,
			ai.pm1a_cnt_port);
	else
		pr_info("acpi: no soft-off state found (DSDT \\_S5_ or PM1a_CNT missing)\n");
}

/* on_last_stop=stay|poweroff: what follows the stop of the last partition. */
static void setup_last_stop(const char *cmdline)
{
	char arg[ARG_MAX];

	if (cmdline_get(cmdline, "on_last_stop", arg, sizeof(arg)) < 0)
		return;
	if (strcmp(arg, "poweroff") == 0)
		partition_set_last_stop(PARTITION_LAST_STOP_POWEROFF);
	else if (strcmp(arg, "stay") != 0)
		pr_warn("on_last_stop=%s: expected stay or poweroff; the hypervisor stays up\n",
			arg);
}

/* clocksource=pmtimer|hpet picks the clock the TSC is calibrated against. */
static void setup_time(const char *cmdline)
{
	struct cpuid_regs r;
	char arg[ARG_MAX];
	bool hpet = false;
	int rc;

	if (cmdline_get(cmdline, "clocksource", arg, sizeof(arg)) >= 0) {
		if (strcmp(arg, "hpet") == 0)
			hpet = true;
		else if (strcmp(arg, "pmtimer") != 0)
			pr_warn("clocksource=%s: expected pmtimer or hpet\n", arg);
		if (hpet && !ai.has_hpet)
			pr_warn("clocksource=hpet: the ACPI tables list no HPET\n");
	}
	rc = clocksource_init(&ai, hpet);

	if (rc)
		refuse("no ACPI PM timer or HPET to calibrate the TSC against");
	rc = tsc_calibrate();
	if (rc)
		refuse("the %s does not advance; cannot calibrate the TSC", clocksource_name());
	cpuid(CPUID_EXT_MAX, &r);
	if (r.eax >= CPUID_EXT_APM)
		cpuid(CPUID_EXT_APM, &r);
	else
		r.edx = 0;
	pr_info("tsc: %llu.%03llu MHz, calibrated against the %s; invariant: %s\n",
		(unsigned long long)(tsc_hz / MHZ), (unsigned long long)((tsc_hz % MHZ) / KHZ),
		clocksource_name(), (r.edx & CPUID_87_EDX_INVARIANT_TSC) ? "yes" : "no");
}

/* A module's name: the last path component of the first word of its string. */
static void module_name(const struct boot_module *m, char *out, size_t len)
{
	const char *s = m->cmdline, *start = s, *end;

	while (*s == ' ')
		s++;
	end = s;
	while (*end && *end != ' ')
		end++;
	start = s;
	for (const char *c = s; c < end; c++) {
		if (*c == '/')
			start = c + 1;
	}
	len = MIN(len - 1, (size_t)(end - start));
	memcpy(out, start, len);
	out[len] = '\0';
}

static const struct boot_module *find_module(const char *name)
{
	char n[MODNAME_MAX];

	for (unsigned int i = 0; i < bi.nmodules; i++) {
		module_name(&bi.modules[i], n, sizeof(n));
		if (strcmp(n, name) == 0)
			return &bi.modules[i];
	}
	return NULL;
}

static bool module_exists(void *ctx, const char *name)
{
	return find_module(name) != NULL;
}

static void enable_virt(void *arg)
{
	int *rc = arg;

	rc[cpu_id()] = virt->cpu_enable();
}

/*
 * linux=SIZE without config=: one Linux partition of SIZE from the boot
 * modules, as other hypervisors' benchmark harnesses pass them: module 0 is
 * the kernel (the rest of its string is the kernel's command line), module
 * 1, if any, the initrd. One vCPU, on CPU 1 if there is one.
 */
static void start_linux_direct(void)
{
	static struct cfg_partition cp;
	char arg[ARG_MAX];
	const char *args;
	uint64_t mem;
	struct partition *p;

	if (cmdline_get(bi.cmdline, "linux", arg, sizeof(arg)) < 0 || parse_u64(arg, &mem) ||
	    mem < CFG_MIN_MEMORY || mem % CFG_MIN_MEMORY || bi.nmodules < 1) {
		pr_err("linux=: expected a size (a multiple of 2 MiB, e.g. linux=512M) and the "
		       "kernel as module 0\n");
		return;
	}
	memset(&cp, 0, sizeof(cp));
	str_copy(cp.name, "linux", sizeof(cp.name));
	cp.memory = mem;
	cp.vcpus = 1;
	cp.cpus[0] = cpus_online > 1 ? 1 : 0;
	cp.on_reboot = CFG_POLICY_RESTART;
	module_name(&bi.modules[0], cp.kernel, sizeof(cp.kernel));
	if (bi.nmodules > 1)
		module_name(&bi.modules[1], cp.initrd, sizeof(cp.initrd));
	args = strchr(bi.modules[0].cmdline, ' ');
	str_copy(cp.cmdline, args ? args + 1 : "console=ttyS0", sizeof(cp.cmdline));
	p = partition_create(&cp, phys_to_virt(bi.modules[0].start),
			     bi.modules[0].end - bi.modules[0].start,
			     bi.nmodules > 1 ? phys_to_virt(bi.modules[1].start) : NULL,
			     bi.nmodules > 1 ? bi.modules[1].end - bi.modules[1].start : 0);
	if (p) {
		partition_start(p);
		pr_info("1 partition running\n");
	}
}

/*
 * Turn on the virtualization backend everywhere, read the configuration
 * module and start every valid partition. Invalid partitions are skipped
 * with their file:line errors; the hypervisor runs the rest.
 */
static void start_partitions(void)
{
	static int enable_rc[HV_MAX_CPUS];
	char name[MODNAME_MAX];
	const struct boot_module *m;
	struct cfg_limits lim;
	uint64_t free_bytes;
	unsigned int started = 0;

	for (unsigned int c = 0; c < HV_MAX_CPUS; c++) {
		if (!percpu_area[c].online)
			continue;
		int rc = smp_call(c, enable_virt, enable_rc);

		if (rc == 0)
			rc = enable_rc[c];
		if (rc) {
			pr_err("virt: cannot enable %s on cpu%u (%s); no partitions\n",
			       virt->name, c, err_name(rc));
			return;
		}
	}
	pr_info("virt: %s enabled on %u CPU%s\n", virt->name, cpus_online,
		cpus_online == 1 ? "" : "s");

	if (cmdline_get(bi.cmdline, "config", name, sizeof(name)) < 0) {
		if (cmdline_has(bi.cmdline, "linux"))
			start_linux_direct();
		else
			pr_info("config: no config= on the command line; no partitions to run\n");
		return;
	}
	m = find_module(name);
	if (!m) {
		pr_err("config: config=%s names no boot module; no partitions to run\n", name);
		return;
	}
	free_bytes = mem_free_frame_count() * PAGE_SIZE;
	lim.ncpus = cpus_online;
	lim.memory_available = free_bytes > HV_PARTITION_RESERVE ? free_bytes - HV_PARTITION_RESERVE : 0;
	lim.module_exists = module_exists;
	lim.ctx = NULL;
	config_parse(phys_to_virt(m->start), m->end - m->start, name, &lim, &cfg);
	for (unsigned int i = 0; i < cfg.nerrors; i++)
		pr_err("config: %s\n", cfg.errors[i].msg);
	if (cfg.errors_dropped)
		pr_err("config: %u more errors not shown\n", cfg.errors_dropped);
	pr_info("config: %s: %u valid partition%s, %u rejected\n", name, cfg.npartitions,
		cfg.npartitions == 1 ? "" : "s", cfg.partitions_rejected);

	for (unsigned int i = 0; i < cfg.npartitions; i++) {
		const struct cfg_partition *cp = &cfg.part[i];
		const struct boot_module *img = find_module(cp->kernel[0] ? cp->kernel : cp->image);
		const struct boot_module *rd = NULL;
		struct partition *p;

		if (cp->initrd[0])
			rd = find_module(cp->initrd);
		if (!img || (cp->initrd[0] && !rd)) {
			pr_err("partition %s: a module vanished; skipped\n", cp->name);
			continue;
		}
		p = partition_create(cp, phys_to_virt(img->start), img->end - img->start,
				     rd ? phys_to_virt(rd->start) : NULL, rd ? rd->end - rd->start : 0);
		if (!p)
			continue;
		partition_start(p);
		started++;
	}
	pr_info("%u partition%s running\n", started, started == 1 ? "" : "s");
}

void boot_main(uint32_t magic, uint32_t info_pa)
{
	struct cpuid_regs r;
	int rc;

	cpuid(CPUID_LEAF_FEATURES, &r);
	smp_init_bsp(r.ebx >> CPUID_1_EBX_APIC_ID_SHIFT);
	console_init(UART_COM1, UART_DEFAULT_BAUD);
	/*
	 * Exception handlers from the start, so rdmsr_safe() works in the CPU
	 * checks; the IST stacks follow with the TSS in smp_setup_bsp().
	 */
	idt_init();
	idt_load();

	rc = bootinfo_parse(&bi, magic, info_pa, early_map, err, sizeof(err));
	if (rc)
		refuse("bad boot information: %s", err);
	setup_console(bi.cmdline);
	setup_loglevel(bi.cmdline);
	pr_info("%s %s: Type 1 hypervisor for x86-64\n", HV_NAME, HV_VERSION);
	pr_info("boot: Multiboot%u%s%s, command line \"%s\", %u module(s)\n", bi.protocol,
		bi.loader[0] ? " from " : "", bi.loader, bi.cmdline, bi.nmodules);
	for (unsigned int i = 0; i < bi.nmodules; i++)
		pr_info("boot: module %u: [%#llx-%#llx) \"%s\"\n", i,
			(unsigned long long)bi.modules[i].start,
			(unsigned long long)bi.modules[i].end, bi.modules[i].cmdline);

	rc = virt_probe(err, sizeof(err));
	if (rc)
		refuse("%s", err);

	discover_acpi();

	rc = mem_init(&bi, &ai, err, sizeof(err));
	if (rc)
		refuse("%s", err);
	mem_log();
	rc = paging_init(mem_map());
	if (rc)
		refuse("cannot build the hypervisor's page tables (%s)", err_name(rc));

	rc = lapic_init_bsp(ai.lapic_addr);
	if (rc)
		refuse("the local APIC cannot be used (%s)", err_name(rc));
	rc = ioapic_init(&ai);
	if (rc)
		pr_warn("ioapic: cannot map the IO-APICs (%s); no console input\n", err_name(rc));
	rc = smp_setup_bsp();
	if (rc)
		refuse("cannot set up the boot CPU (%s)", err_name(rc));
	setup_time(bi.cmdline);
	rc = timer_init();
	if (rc)
		refuse("the local APIC timer cannot be calibrated (%s)", err_name(rc));
	timer_init_cpu();
	pr_info("lapic: %s mode; timer: %s\n", lapic_x2apic_mode() ? "x2APIC" : "xAPIC",
		timer_mode_name());
	pr_info("online, APIC id %u (boot CPU)\n", this_cpu()->apic_id);
	irq_enable();

	rc = smp_boot_aps(&ai);
	if (rc < 0)
		pr_err("smp: cannot start the other CPUs (%s)\n", err_name(rc));
	pr_info("%u CPU%s online\n", cpus_online, cpus_online == 1 ? "" : "s");

	selftest_ipis();
	selftest_timers();
	debug_fault_maybe(bi.cmdline);

	pr_info("%s ready: %u CPU%s, %llu MiB free for partitions\n", HV_NAME, cpus_online,
		cpus_online == 1 ? "" : "s",
		(unsigned long long)((mem_free_frame_count() * PAGE_SIZE) >> 20));

	rtc_set_boot_wall_clock(rtc_read_host());
	platform_register();
	setup_last_stop(bi.cmdline);
	start_partitions();
	conmux_start();
	sched_start();
	smp_idle_loop();
}
